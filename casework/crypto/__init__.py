"""Envelope encryption, outer keys, blind indexes, receipts and passwords (no Flask, no ORM)."""

from casework.crypto.blind import blind_index
from casework.crypto.envelope import (
    DamagedRecord,
    decrypt,
    decrypt_text,
    encrypt,
    new_data_key,
    unwrap_key,
    wrap_key,
)
from casework.crypto.keys import (
    EnvKeySource,
    FileKeySource,
    Keyring,
    KeySource,
    KeySourceReadOnly,
    KeyUnavailable,
)
from casework.crypto.passwords import (
    configure_password_hashing,
    hash_password,
    needs_rehash,
    verify_password,
)
from casework.crypto.receipts import (
    RECEIPT_BITS,
    configure_receipt_hashing,
    hash_receipt,
    new_receipt,
    normalise_receipt,
    verify_receipt,
)

__all__ = [
    "DamagedRecord", "EnvKeySource", "FileKeySource", "KeySource", "KeySourceReadOnly",
    "KeyUnavailable", "Keyring", "RECEIPT_BITS", "blind_index",
    "configure_password_hashing", "configure_receipt_hashing", "decrypt", "decrypt_text",
    "encrypt", "hash_password", "hash_receipt", "needs_rehash", "new_data_key", "new_receipt",
    "normalise_receipt", "unwrap_key", "verify_password", "verify_receipt", "wrap_key",
]
