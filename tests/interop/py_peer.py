#!/usr/bin/python3
"""py_peer.py - JWS interop peer on Debian's PyJWT (2.6) or jwcrypto (1.1).

Uniform CLI shared with node_peer.mjs (driven by run_interop.py). Run it with Debian's
/usr/bin/python3, which has python3-jwt, python3-jwcrypto and python3-cryptography.

  py_peer.py --lib pyjwt|jwcrypto sign   --jwk FILE --alg ALG [--kid KID]  payload on stdin -> compact JWS
  py_peer.py --lib pyjwt|jwcrypto verify --jwk FILE --alg ALG              compact JWS on stdin -> payload
  py_peer.py --lib pyjwt|jwcrypto genkey --alg ALG --kid KID               -> private JWK with kid and alg

Exit codes: 0 success; 1 verification failed (reason on stderr); 2 unusable input/usage
(including a private or unimportable JWK given to verify). Payloads are raw bytes both ways.
"""

import argparse
import base64
import json
import os
import sys

ALGS = ("HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
        "ES256", "ES384", "ES512", "EdDSA")
EC_CURVE = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
HS_BYTES = {"HS256": 32, "HS384": 48, "HS512": 64}
HEADER_TYP = "at+jwt"


class UsageError(Exception):
    pass


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def uint_b64u(value: int, length: int = 0) -> str:
    """Base64urlUInt (RFC 7518 2); `length` pads to a fixed size (EC coordinates, 6.2.1.2)."""
    n = max(length, (value.bit_length() + 7) // 8, 1)
    return b64u(value.to_bytes(n, "big"))


def read_jwk(path: str) -> dict:
    try:
        with open(path, "rb") as f:
            jwk = json.loads(f.read())
    except (OSError, ValueError) as e:
        raise UsageError(f"cannot read JWK {path}: {e}") from e
    if not isinstance(jwk, dict):
        raise UsageError("JWK must be a JSON object")
    return jwk


def read_token() -> str:
    return sys.stdin.buffer.read().decode("ascii", errors="strict").strip()


def header_for(alg: str, kid) -> dict:
    header = {"alg": alg, "typ": HEADER_TYP}
    if kid is not None:
        header["kid"] = kid
    return header


# ------------------------------------------------------------------ key generation
def genkey_cryptography(alg: str) -> dict:
    """A private JWK made directly from pyca/cryptography keys, encoded per RFC 7518 6.

    Used for --lib pyjwt: PyJWT 2.6's own to_jwk() does not pad EC coordinates to the
    curve size (RFC 7518 6.2.1.2 requires it), so it would produce invalid keys 1 time in ~100.
    """
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
    from cryptography.hazmat.primitives import serialization

    if alg in HS_BYTES:
        return {"kty": "oct", "k": b64u(os.urandom(HS_BYTES[alg]))}
    if alg[:2] in ("RS", "PS"):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pn = key.private_numbers()
        return {"kty": "RSA", "n": uint_b64u(pn.public_numbers.n), "e": uint_b64u(pn.public_numbers.e),
                "d": uint_b64u(pn.d), "p": uint_b64u(pn.p), "q": uint_b64u(pn.q),
                "dp": uint_b64u(pn.dmp1), "dq": uint_b64u(pn.dmq1), "qi": uint_b64u(pn.iqmp)}
    if alg in EC_CURVE:
        curve = {"ES256": ec.SECP256R1(), "ES384": ec.SECP384R1(), "ES512": ec.SECP521R1()}[alg]
        key = ec.generate_private_key(curve)
        size = (curve.key_size + 7) // 8
        pn = key.private_numbers()
        return {"kty": "EC", "crv": EC_CURVE[alg],
                "x": uint_b64u(pn.public_numbers.x, size), "y": uint_b64u(pn.public_numbers.y, size),
                "d": uint_b64u(pn.private_value, size)}
    if alg == "EdDSA":
        key = ed25519.Ed25519PrivateKey.generate()
        raw_d = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                                  serialization.NoEncryption())
        raw_x = key.public_key().public_bytes(serialization.Encoding.Raw,
                                              serialization.PublicFormat.Raw)
        return {"kty": "OKP", "crv": "Ed25519", "x": b64u(raw_x), "d": b64u(raw_d)}
    raise UsageError(f"unsupported alg {alg}")


def genkey_jwcrypto(alg: str) -> dict:
    from jwcrypto import jwk as jwcrypto_jwk

    if alg in HS_BYTES:
        key = jwcrypto_jwk.JWK.generate(kty="oct", size=HS_BYTES[alg] * 8)
    elif alg[:2] in ("RS", "PS"):
        key = jwcrypto_jwk.JWK.generate(kty="RSA", size=2048)
    elif alg in EC_CURVE:
        key = jwcrypto_jwk.JWK.generate(kty="EC", crv=EC_CURVE[alg])
    elif alg == "EdDSA":
        key = jwcrypto_jwk.JWK.generate(kty="OKP", crv="Ed25519")
    else:
        raise UsageError(f"unsupported alg {alg}")
    return key.export(private_key=True, as_dict=True)


# ------------------------------------------------------------------ PyJWT
def pyjwt_key(jwk: dict, alg: str):
    import jwt
    try:
        return jwt.PyJWK(jwk, algorithm=alg).key
    except jwt.exceptions.PyJWTError as e:
        raise UsageError(f"PyJWT cannot import JWK for {alg}: {e}") from e


def pyjwt_sign(jwk: dict, alg: str, kid, payload: bytes) -> str:
    import jwt
    key = pyjwt_key(jwk, alg)
    return jwt.api_jws.PyJWS().encode(payload, key, algorithm=alg, headers=header_for(alg, kid))


def pyjwt_verify(jwk: dict, alg: str, token: str) -> bytes:
    import jwt
    key = pyjwt_key(jwk, alg)
    try:
        decoded = jwt.api_jws.PyJWS().decode_complete(token, key, algorithms=[alg])
    except jwt.exceptions.PyJWTError as e:
        raise VerifyError(f"{type(e).__name__}: {e}") from e
    return decoded["payload"]


# ------------------------------------------------------------------ jwcrypto
def jwcrypto_key(jwk: dict, alg: str):
    from jwcrypto import jwk as jwcrypto_jwk
    from jwcrypto.common import JWException
    try:
        return jwcrypto_jwk.JWK(**jwk)
    except (JWException, ValueError, TypeError) as e:
        raise UsageError(f"jwcrypto cannot import JWK for {alg}: {e}") from e


def jwcrypto_sign(jwk: dict, alg: str, kid, payload: bytes) -> str:
    from jwcrypto import jws as jwcrypto_jws
    from jwcrypto.common import json_encode
    key = jwcrypto_key(jwk, alg)
    obj = jwcrypto_jws.JWS(payload)
    obj.add_signature(key, alg=alg, protected=json_encode(header_for(alg, kid)))
    return obj.serialize(compact=True)


def jwcrypto_verify(jwk: dict, alg: str, token: str) -> bytes:
    from jwcrypto import jws as jwcrypto_jws
    from jwcrypto.common import JWException
    key = jwcrypto_key(jwk, alg)
    obj = jwcrypto_jws.JWS()
    obj.allowed_algs = [alg]
    try:
        obj.deserialize(token)
        obj.verify(key, alg=alg)
    except JWException as e:
        raise VerifyError(f"{type(e).__name__}: {e}") from e
    return obj.payload


class VerifyError(Exception):
    pass


LIBS = {
    "pyjwt": (pyjwt_sign, pyjwt_verify, genkey_cryptography),
    "jwcrypto": (jwcrypto_sign, jwcrypto_verify, genkey_jwcrypto),
}


def main(argv) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lib", choices=sorted(LIBS), required=True)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p_sign = sub.add_parser("sign")
    p_sign.add_argument("--jwk", required=True)
    p_sign.add_argument("--alg", required=True, choices=ALGS)
    p_sign.add_argument("--kid")
    p_verify = sub.add_parser("verify")
    p_verify.add_argument("--jwk", required=True)
    p_verify.add_argument("--alg", required=True, choices=ALGS)
    p_gen = sub.add_parser("genkey")
    p_gen.add_argument("--alg", required=True, choices=ALGS)
    p_gen.add_argument("--kid", required=True)
    args = parser.parse_args(argv)  # exits 2 on usage errors

    sign, verify, genkey = LIBS[args.lib]
    try:
        if args.cmd == "genkey":
            jwk = genkey(args.alg)
            jwk["alg"] = args.alg
            jwk["kid"] = args.kid
            sys.stdout.write(json.dumps(jwk) + "\n")
        elif args.cmd == "sign":
            jwk = read_jwk(args.jwk)
            payload = sys.stdin.buffer.read()
            sys.stdout.write(sign(jwk, args.alg, args.kid, payload) + "\n")
        else:
            jwk = read_jwk(args.jwk)
            if jwk.get("kty") != "oct" and "d" in jwk:
                raise UsageError("verify needs a public JWK")
            try:
                token = read_token()
            except UnicodeDecodeError as e:
                raise VerifyError(f"token is not ASCII: {e}") from e
            payload = verify(jwk, args.alg, token)
            sys.stdout.buffer.write(payload)
            sys.stdout.flush()
    except UsageError as e:
        sys.stderr.write(f"py_peer[{args.lib}]: {e}\n")
        return 2
    except VerifyError as e:
        sys.stderr.write(f"rejected: {e}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
