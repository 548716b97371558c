"""training rules: the training setup (epochs, learning rate, method, validation, sequence
length) checked against the data; skipped when no training config is given."""
