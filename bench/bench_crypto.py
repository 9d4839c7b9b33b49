"""Benchmark note encryption and receipt checking at production parameters."""

from __future__ import annotations

import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from argon2.low_level import Type, hash_secret_raw  # noqa: E402

from casework.crypto import (  # noqa: E402
    argon,
    decrypt,
    encrypt,
    hash_receipt,
    new_data_key,
    new_receipt,
    verify_receipt,
)

NOTE_BYTES = 1024
RATE_SECONDS = 2.0
KDF_ROUNDS = 10


def rate(operation: Callable[[], object], seconds: float = RATE_SECONDS) -> float:
    """Return how many times per second operation runs, measured over about `seconds`."""
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        for _ in range(100):
            operation()
        count += 100
    return count / elapsed


def mean_ms(operation: Callable[[], object], rounds: int = KDF_ROUNDS) -> float:
    """Return the mean wall time of operation in milliseconds."""
    operation()
    start = time.perf_counter()
    for _ in range(rounds):
        operation()
    return (time.perf_counter() - start) * 1000 / rounds


def bare_kdf() -> bytes:
    """Run argon2id once with the production parameters, with no encoding or comparison."""
    return hash_secret_raw(
        secrets.token_bytes(20),
        secrets.token_bytes(16),
        time_cost=argon.INTERACTIVE_TIME_COST,
        memory_cost=argon.INTERACTIVE_MEMORY_KIB,
        parallelism=argon.INTERACTIVE_PARALLELISM,
        hash_len=32,
        type=Type.ID,
    )


def main() -> None:
    """Print one `name: value` line per measurement."""
    key, note = new_data_key(), secrets.token_bytes(NOTE_BYTES)
    place = {"case_id": 1, "kind": "note", "record_id": 1}
    blob = encrypt(key, note, **place)
    print(f"note_encrypt_per_s: {rate(lambda: encrypt(key, note, **place)):.0f}")
    print(f"note_decrypt_per_s: {rate(lambda: decrypt(key, blob, **place)):.0f}")

    receipt = new_receipt()
    stored = hash_receipt(receipt)
    kdf_ms = mean_ms(bare_kdf)
    known_ms = mean_ms(lambda: verify_receipt(stored, receipt))
    unknown_ms = mean_ms(lambda: verify_receipt(None, receipt))
    print(f"argon2id_kdf_ms: {kdf_ms:.1f}")
    print(f"receipt_check_known_ms: {known_ms:.1f}")
    print(f"receipt_check_unknown_ms: {unknown_ms:.1f}")
    print(f"receipt_check_vs_kdf: {known_ms / kdf_ms:.2f}")


if __name__ == "__main__":
    main()
