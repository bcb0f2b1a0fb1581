"""DSSE envelopes with securesystemslib (the library in-toto uses): verify the envelopes
stagegate-attest made, and sign payloads for stagegate-attest to verify.

Usage: dsse_roundtrip.py REQUEST.json

REQUEST is {"verify": [...], "sign": [...]}; prints {"verify": {NAME: ...}, "sign": {NAME: ...}}.

verify entries: {"name", "envelope": PATH, "public_key": PATH, "keyid": STR or null}. The
envelope is read with `Envelope.from_dict` and verified with `Envelope.verify([key], 1)`,
the key an `SSlibKey.from_crypto` of the PEM public key with the given keyid (null:
securesystemslib's own default keyid; it only tries keys whose keyid a signature names).
Result: {"ok", "error", "payload_type", "payload" and "pae" (as text), "default_keyid"}.

sign entries: {"name", "private_key": PATH, "payload": PATH, "out": PATH}. The payload is
signed as application/vnd.in-toto+json by a `CryptoSigner` of the PEM private key (PKCS#8
or SEC1, read by pyca/cryptography) and the envelope's `to_dict()` written to `out`.
Result: {"keyid", "keytype", "scheme", "sig_hex", "high_s" (ECDSA: s > n/2, else null)}.
"""

import json
import sys

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_pem_public_key
from securesystemslib.dsse import Envelope
from securesystemslib.signer import CryptoSigner, SSlibKey

PAYLOAD_TYPE = "application/vnd.in-toto+json"
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551


def verify(entry):
    with open(entry["public_key"], "rb") as file:
        public = load_pem_public_key(file.read())
    default_keyid = SSlibKey.from_crypto(public).keyid
    key = SSlibKey.from_crypto(public, keyid=entry["keyid"] or None)
    result = {"ok": False, "error": None, "default_keyid": default_keyid}
    try:
        with open(entry["envelope"], encoding="utf-8") as file:
            envelope = Envelope.from_dict(json.load(file))
        result["payload_type"] = envelope.payload_type
        result["payload"] = envelope.payload.decode("utf-8")
        result["pae"] = envelope.pae().decode("utf-8")
        envelope.verify([key], 1)
        result["ok"] = True
    except Exception as error:  # noqa: BLE001 - any refusal is reported as data
        result["error"] = f"{type(error).__name__}: {error}"
    return result


def sign(entry):
    with open(entry["private_key"], "rb") as file:
        private = load_pem_private_key(file.read(), password=None)
    with open(entry["payload"], "rb") as file:
        payload = file.read()
    signer = CryptoSigner(private)
    envelope = Envelope(payload, PAYLOAD_TYPE, {})
    signature = envelope.sign(signer)
    with open(entry["out"], "w", encoding="utf-8") as file:
        json.dump(envelope.to_dict(), file)
    sig = bytes.fromhex(signature.signature)
    high_s = None
    if isinstance(private, ec.EllipticCurvePrivateKey):
        _, s = decode_dss_signature(sig)
        high_s = s > P256_ORDER // 2
    key = signer.public_key
    return {
        "keyid": signature.keyid,
        "keytype": key.keytype,
        "scheme": key.scheme,
        "sig_hex": sig.hex(),
        "high_s": high_s,
    }


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        request = json.load(file)
    out = {
        "verify": {entry["name"]: verify(entry) for entry in request.get("verify", [])},
        "sign": {entry["name"]: sign(entry) for entry in request.get("sign", [])},
    }
    json.dump(out, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
