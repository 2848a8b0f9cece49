"""``model_version``: a hash of the config, the as_of_date and the training data.

Every table of one run carries it, so a rerun on the same inputs writes the same version
(and byte-identical tables), and any change of data, vars or algorithm gives a new one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

import pandas as pd

from segments.model.config import SegmentationConfig
from segments.model.errors import SegmentationInputError
from segments.model.prepare import CUSTOMER_ID

#: Bump when a code change alters results, so model_version changes with it.
ALGORITHM_VERSION = "1"


def _fingerprint(frame: pd.DataFrame, config: SegmentationConfig) -> str:
    """Hash of the training rows: customer ids and the requested feature values."""
    columns = [CUSTOMER_ID, *[name for name in config.features if name in frame.columns]]
    data = frame[columns].copy()
    for name in columns[1:]:
        data[name] = pd.to_numeric(data[name], errors="coerce").astype("float64")
    hashed = pd.util.hash_pandas_object(data.astype({CUSTOMER_ID: object}), index=False)
    digest = hashlib.sha256(hashed.to_numpy(dtype="uint64").tobytes())
    digest.update(json.dumps(columns).encode())
    return digest.hexdigest()


def model_version_of(frame: pd.DataFrame, config: SegmentationConfig) -> str:
    """Deterministic 12-hex model id from the config, as_of_date and training data."""
    payload = {
        "algorithm_version": ALGORITHM_VERSION,
        "config": {**asdict(config), "features": list(config.features)},
        "data": _fingerprint(frame, config),
    }
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def single_version(frame: pd.DataFrame, what: str) -> str:
    """The one model_version a table holds; an error naming the table otherwise."""
    versions = frame["model_version"].dropna().unique().tolist()
    if len(versions) != 1:
        raise SegmentationInputError(f"{what} must hold exactly one model_version, got {versions}.")
    return str(versions[0])
