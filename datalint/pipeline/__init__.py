"""A run, stage by stage: read → adapt → suppress (:mod:`.read`, :mod:`.suppress`) → record
pass (:mod:`.record_pass`, :mod:`.gates`) → resources → dataset pass (:mod:`.dataset_pass`)
→ report; :mod:`.engine` runs them in order.  Nothing is imported here, so that a rule may
import :mod:`.context` without pulling in the engine."""
