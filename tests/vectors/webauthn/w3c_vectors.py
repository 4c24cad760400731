#!/usr/bin/env python3
"""Extracts the W3C WebAuthn Level 3 "Test Vectors" appendix (index.bs, section
#sctn-test-vectors) into w3c_vectors.json, in the JSON forms src/webauthn parses
(RegistrationResponseJSON / AuthenticationResponseJSON, base64url members).

Run BY HAND, not in CI; the JSON it writes is committed. The vectors are data published by the
W3C (https://github.com/w3c/webauthn, index.bs, generated there by
test-vectors/webauthn-test-vectors.py); nothing of the spec's code is used.

    python3 tests/vectors/webauthn/w3c_vectors.py path/to/index.bs [commit]

Every vector uses RP id "example.org" and origin "https://example.org" (the appendix says so).
The credential id is the vector's credential_id; id and rawId are its base64url.
"""

import base64
import json
import pathlib
import re
import sys


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def section_vectors(text: str):
    start = text.index("# Test Vectors # {#sctn-test-vectors}")
    end = text.index("## Test Vectors for [=WebAuthn Extensions=]")
    body = text[start:end]
    heads = list(re.finditer(r"^## (.+?) ## \{#sctn-test-vectors-([A-Za-z0-9-]+)\}", body, re.M))
    for i, h in enumerate(heads):
        chunk = body[h.end() : heads[i + 1].start() if i + 1 < len(heads) else len(body)]
        blocks = re.findall(r"<xmp[^>]*>(.*?)</xmp>", chunk, re.S)
        if len(blocks) != 2:
            continue  # the attestation root certificate section has one block
        yield h.group(2), h.group(1), [parse_block(b) for b in blocks]


def parse_block(block: str) -> dict:
    values = {}
    for line in block.splitlines():
        m = re.match(r"^(\w+) = (?:[^=]*= )?h'([0-9a-f]*)'", line)
        if m:
            values[m.group(1)] = bytes.fromhex(m.group(2))
    return values


def main() -> None:
    src = pathlib.Path(sys.argv[1]).read_text()
    commit = sys.argv[2] if len(sys.argv) > 2 else "unknown"
    out = []
    for anchor, title, (reg, auth) in section_vectors(src):
        cred_id = b64u(reg["credential_id"])
        out.append(
            {
                "name": anchor,
                "title": title,
                "rp_id": "example.org",
                "origin": "https://example.org",
                "registration": {
                    "challenge": b64u(reg["challenge"]),
                    "response": {
                        "id": cred_id,
                        "rawId": cred_id,
                        "type": "public-key",
                        "response": {
                            "clientDataJSON": b64u(reg["clientDataJSON"]),
                            "attestationObject": b64u(reg["attestationObject"]),
                        },
                        "clientExtensionResults": {},
                    },
                },
                "authentication": {
                    "challenge": b64u(auth["challenge"]),
                    "response": {
                        "id": cred_id,
                        "rawId": cred_id,
                        "type": "public-key",
                        "response": {
                            "clientDataJSON": b64u(auth["clientDataJSON"]),
                            "authenticatorData": b64u(auth["authenticatorData"]),
                            "signature": b64u(auth["signature"]),
                        },
                        "clientExtensionResults": {},
                    },
                },
            }
        )
    doc = {
        "source": "W3C Web Authentication Level 3, appendix 'Test Vectors' (#sctn-test-vectors), "
        f"github.com/w3c/webauthn index.bs at {commit}; extracted by "
        "tests/vectors/webauthn/w3c_vectors.py",
        "vectors": out,
    }
    dest = pathlib.Path(__file__).with_name("w3c_vectors.json")
    dest.write_text(json.dumps(doc, indent=2) + "\n")
    print(f"w3c_vectors: wrote {len(out)} ceremonies to {dest}")


if __name__ == "__main__":
    main()
