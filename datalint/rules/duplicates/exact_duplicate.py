from ...rule import DatasetRule

from ._clusters import cluster_finding, group_by


class ExactDuplicate(DatasetRule):
    """Records whose turns are identical (same roles, same text, in the same order).

    ## What it does
    Groups records by a hash of their role-tagged turns (metadata such as ids is ignored) and
    reports each group as one cluster: the earliest record to keep, the copies to drop, with
    every location.  The hash covers all a record holds: the rejected answer of a preference
    pair (two pairs that share prompt and chosen answer but not the rejected one are
    different pairs) and the other branches of an Open-Assistant message tree (two trees
    with the same best-ranked path are different trees when a side branch differs).

    ## Why it hurts fine-tuning
    A repeated example is trained on several times per epoch: the model memorises it instead of
    generalising, and the duplicated behaviour is over-weighted against the rest of the data.

    ## Example
    The same support conversation exported twice, once per ticket it was linked to.

    ## How to fix
    Keep one copy of each cluster (``datalint clean`` will do it); if the repetition was meant
    as up-weighting, do it explicitly in the training mix instead.

    ## Options
    None.
    """

    code = "D001"
    name = "exact-duplicate"
    summary = "records with identical turns (reported as clusters)"
    severity = "warning"
    requires = frozenset({"records"})

    def check_dataset(self, dataset):
        records = dataset.records
        hashes = dataset.resources.content_hashes()
        empty = [not r.turns for r in records]
        for g in group_by(hashes, empty):
            yield cluster_finding(self, records, g, "exact duplicate")
