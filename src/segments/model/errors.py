"""Errors raised for input the segmentation cannot use, with messages that say what to change."""


class SegmentationInputError(ValueError):
    """The customer features (or a var) cannot be segmented as given.

    Raised instead of letting scikit-learn fail deep inside a fit, so a dbt run
    shows one readable line: what is wrong, the counts involved and the var to change.
    """
