#!/usr/bin/env python3
"""Regenerates the seed corpora in tests/fuzz/corpus/ (run by hand; CI only reads them).

Usage: tests/fuzz/make_corpus.py [path/to/tessera]   (default: build/release/tessera)

The JWS seeds must be signed with the keys embedded in fuzz_jws_verify.cc, so this script
reads them from that file. Asymmetric tokens are signed by the `tessera` CLI; tokens with odd
headers are HS256-signed here (Python's hmac) so they pass the signature check and reach the
header and claims rules. Existing seed files are replaced.
"""
import base64
import hashlib
import hmac
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
TOP = HERE.parent.parent
CLI = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else TOP / "build/release/tessera")
CORPUS = HERE / "corpus"

CLAIMS = {
    "iss": "https://id.example", "sub": "user-1", "aud": "api", "exp": 1700003600,
    "iat": 1699999900, "nbf": 1699999900, "jti": "j-1", "sid": "s-1", "scope": "read write",
    "client_id": "cli", "roles": ["admin"], "auth_time": 1699999800,
}


def compact(obj):
    return json.dumps(obj, separators=(",", ":"))


def b64(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def embedded_keys():
    src = (HERE / "fuzz_jws_verify.cc").read_text()
    keys = {}
    for name, body in re.findall(r"constexpr std::string_view (k\w+Jwk) =\s*((?:R\"\(.*?\)\"\s*)+);", src, re.S):
        keys[name] = "".join(re.findall(r"R\"\((.*?)\)\"", body, re.S))
    return keys


def cli(*args, stdin=""):
    return subprocess.run([str(CLI), *args], input=stdin, capture_output=True, text=True, check=True).stdout.strip()


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data.encode() if isinstance(data, str) else data)


def hs_token(secret, header, payload):
    """HS256 over arbitrary header/payload text (not necessarily valid JSON)."""
    signing_input = b64(header) + "." + b64(payload)
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + b64(mac)


def jws_seeds(keys, tmp):
    t = "fuzz_jws_verify"
    claims = compact(CLAIMS)
    files = {}
    for const, kid in [("kHs256Jwk", "hs"), ("kEs256Jwk", "es"), ("kRs256Jwk", "rs"), ("kEdDsaJwk", "ed")]:
        path = tmp / f"{kid}.jwk"
        path.write_text(keys[const])
        files[kid] = path
        write(t, f"valid_{kid}.jwt", cli("jws", "sign", "--jwk", str(path), "--typ", "at+jwt", stdin=claims))
    write(t, "valid_hs_no_typ.jwt", cli("jws", "sign", "--jwk", str(files["hs"]), stdin=claims))
    write(t, "valid_ed_app_typ.jwt",
          cli("jws", "sign", "--jwk", str(files["ed"]), "--typ", "application/at+jwt", stdin=claims))

    secret = base64.urlsafe_b64decode(json.loads(keys["kHs256Jwk"])["k"] + "==")
    good = hs_token(secret, '{"alg":"HS256","kid":"hs","typ":"at+jwt"}', claims)
    # Malformed compact forms.
    write(t, "alg_none.jwt", b64('{"alg":"none","typ":"JWT"}') + "." + b64(claims) + ".")
    write(t, "alg_none_caps.jwt", hs_token(secret, '{"alg":"nOnE","kid":"hs"}', claims))
    write(t, "five_parts.jwe", b64('{"alg":"dir","enc":"A256GCM"}') + "..aXY.Y3Q.dGFn")
    write(t, "four_parts.jwt", good + ".x")
    write(t, "two_parts.jwt", good.rsplit(".", 1)[0])
    h, p, s = good.split(".")
    write(t, "padded.jwt", ".".join([h + "=" * (-len(h) % 4), p + "=" * (-len(p) % 4), s + "="]))
    write(t, "std_alphabet.jwt", good.replace("-", "+").replace("_", "/"))
    # HS256-signed headers that each hit one header rule.
    headers = {
        "dup_header": '{"alg":"HS256","kid":"hs","alg":"none"}',
        "crit": '{"alg":"HS256","kid":"hs","crit":["exp"],"exp":1}',
        "b64_false": '{"alg":"HS256","kid":"hs","b64":false,"crit":["b64"]}',
        "embedded_jwk": '{"alg":"HS256","kid":"hs","jwk":{"kty":"oct","k":"AAAA"}}',
        "alg_mismatch": '{"alg":"RS256","kid":"hs"}',
        "kid_not_string": '{"alg":"HS256","kid":7}',
        "unknown_kid": '{"alg":"HS256","kid":"nope"}',
        "no_kid": '{"alg":"HS256","typ":"at+jwt"}',
        "header_array": '["alg","HS256"]',
        "header_ws": ' { "alg" : "HS256" , "kid" : "hs" , "typ" : "AT+JWT" } ',
        "header_escapes": '{"alg":"HS\\u0032\\u00356","kid":"\\u0068s","typ":"at\\/jwt"}',
    }
    for name, header in headers.items():
        write(t, f"{name}.jwt", hs_token(secret, header, claims))
    # Claims the validator must refuse, with a valid signature.
    bad = {
        "dup_claim": claims[:-1] + ',"exp":1}',
        "exp_float": compact({**CLAIMS, "exp": 1700003600.5}),
        "exp_string": compact({**CLAIMS, "exp": "1700003600"}),
        "aud_array": compact({**CLAIMS, "aud": ["other", "api"]}),
        "aud_mixed": compact({**CLAIMS, "aud": ["api", 1]}),
        "payload_not_object": "[1,2,3]",
        "payload_not_json": "hello",
    }
    for name, payload in bad.items():
        write(t, f"{name}.jwt", hs_token(secret, '{"alg":"HS256","kid":"hs","typ":"at+jwt"}', payload))
    # Mode B seeds: "<header JSON>\n<payload>", signed by the target itself.
    raw = {
        "raw_hs": ('{"alg":"HS256","kid":"hs","typ":"at+jwt"}', claims),
        "raw_es": ('{"alg":"ES256","kid":"es","typ":"at+jwt"}', compact({**CLAIMS, "aud": ["api"]})),
        "raw_rs": ('{"alg":"RS256","kid":"rs","typ":"at+jwt"}', claims),
        "raw_ed": ('{"alg":"EdDSA","kid":"ed","typ":"application/at+jwt"}', claims),
        "raw_no_kid": ('{"alg":"HS256","typ":"at+jwt"}', claims),
        "raw_none": ('{"alg":"none"}', "{}"),
        "raw_crit": ('{"alg":"HS256","kid":"hs","crit":["b64"],"b64":true}', "{}"),
        "raw_jwe": ('{"alg":"HS256","kid":"hs","zip":"DEF"}', "{}"),
        "raw_x5c": ('{"alg":"HS256","kid":"hs","x5c":["MII"]}', "{}"),
        "raw_dup": ('{"alg":"HS256","kid":"hs","typ":"at+jwt"}', '{"sub":"a","sub":"b"}'),
        "raw_deep": ('{"alg":"HS256","kid":"hs"}', '{"a":' * 20 + "1" + "}" * 20),
        "raw_times": ('{"alg":"HS256","kid":"hs","typ":"at+jwt"}',
                      compact({**CLAIMS, "exp": 1699999000, "nbf": 1700009000, "iat": 1700009000})),
        "raw_unicode": ('{"alg":"HS256","kid":"h\\u0073","typ":"at+jwt"}',
                        '{"sub":"\\ud83d\\ude00","iss":"\u00e9","roles":[],"aud":[]}'),
    }
    for name, (header, payload) in raw.items():
        write(t, f"{name}.txt", header + "\n" + payload)


def jwk_seeds(keys, tmp):
    t = "fuzz_jwk_parse"
    names = {"kHs256Jwk": "HS256", "kEs256Jwk": "ES256", "kRs256Jwk": "RS256", "kEdDsaJwk": "EdDSA"}
    all_keys = {names[c]: j for c, j in keys.items()}
    for alg in ["ES384", "ES512", "PS256", "HS512"]:
        all_keys[alg] = cli("keys", "generate", "--alg", alg, "--kid", f"x-{alg}")
    for name, jwk in all_keys.items():
        write(t, f"private_{name}.json", jwk)
        obj = json.loads(jwk)
        if obj["kty"] != "oct":
            write(t, f"public_{name}.json", cli("keys", "public", stdin=jwk))
    rsa = json.loads(keys["kRs256Jwk"])
    ec = json.loads(keys["kEs256Jwk"])
    oct_ = json.loads(keys["kHs256Jwk"])
    okp = json.loads(keys["kEdDsaJwk"])
    strip = lambda o, *names: {k: v for k, v in o.items() if k not in names}
    # Keys that need (or conflict with) a hint. A leading control byte selects the hint:
    # all_algs()[byte % 13]; 0x03 -> RS256, 0x00 -> HS256, 0x0b -> ES512, 0x06 -> PS256.
    write(t, "hint_rs256_no_alg.json", b"\x03" + compact(strip(rsa, "alg", "d", "p", "q", "dp", "dq", "qi")).encode())
    write(t, "hint_hs256_no_alg.json", b"\x00" + compact(strip(oct_, "alg")).encode())
    write(t, "hint_es512_on_p256.json", b"\x0b" + compact(strip(ec, "alg")).encode())
    write(t, "hint_ps256_on_rs256.json", b"\x06" + compact(rsa).encode())
    # Edge cases of one key.
    write(t, "rsa_d_only.json", compact(strip(rsa, "p", "q", "dp", "dq", "qi")))
    write(t, "rsa_partial_crt.json", compact(strip(rsa, "qi")))
    write(t, "rsa_oth.json", compact({**strip(rsa, "d", "p", "q", "dp", "dq", "qi"), "oth": []}))
    write(t, "ec_no_alg.json", compact(strip(ec, "alg", "d")))
    write(t, "ec_bad_point.json", compact({**strip(ec, "d"), "y": ec["x"]}))
    write(t, "okp_no_alg.json", compact(strip(okp, "alg")))
    write(t, "okp_x448.json", compact({**strip(okp, "d"), "crv": "X448"}))
    write(t, "oct_short.json", compact({**oct_, "k": "c2hvcnQ"}))
    write(t, "use_enc.json", compact({**oct_, "use": "enc"}))
    write(t, "key_ops.json", compact({**oct_, "key_ops": ["verify", "sign"]}))
    write(t, "key_ops_encrypt.json", compact({**oct_, "key_ops": ["encrypt"]}))
    write(t, "dup_member.json", compact(strip(ec, "d"))[:-1] + ',"kty":"oct"}')
    write(t, "unknown_kty.json", '{"kty":"AKP","alg":"ML-DSA-44","pub":"AAAA"}')
    write(t, "not_object.json", '["kty","oct"]')
    pub = lambda j: json.loads(cli("keys", "public", stdin=j))
    jwks = {"keys": [pub(keys["kEs256Jwk"]), pub(keys["kRs256Jwk"]), pub(keys["kEdDsaJwk"]), oct_,
                     {"kty": "oct", "use": "enc", "k": "AAAA"}, {"kty": "AKP", "kid": "pq"}]}
    write(t, "jwks_mixed.json", compact(jwks))
    write(t, "jwks_dup_kid.json", compact({"keys": [pub(keys["kEs256Jwk"]), {**oct_, "kid": "es"}]}))
    write(t, "jwks_no_alg_hint.json", b"\x03" + compact({"keys": [strip(rsa, "alg", "kid")]}).encode())
    write(t, "jwks_empty.json", '{"keys":[]}')


def b64_seeds():
    t = "fuzz_base64url"
    for name, text in {
        "empty": "", "one_byte": "Zg", "two_bytes": "Zm8", "three_bytes": "Zm9v", "all_symbols": "-_-_",
        "trailing_bits_2": "Zh", "trailing_bits_3": "Zm9", "lone_sextet": "Zm9vY", "padding": "Zg==",
        "std_alphabet": "+/+/", "whitespace": "Zm9v\nYmFy", "nul": "Zm\x009v",
        "long": b64(bytes(range(256))),
    }.items():
        write(t, name, text)


def main():
    with tempfile.TemporaryDirectory() as d:
        tmp = pathlib.Path(d)
        keys = embedded_keys()
        assert set(keys) == {"kHs256Jwk", "kEs256Jwk", "kRs256Jwk", "kEdDsaJwk"}, keys.keys()
        jws_seeds(keys, tmp)
        jwk_seeds(keys, tmp)
        b64_seeds()
    for target in sorted(os.listdir(CORPUS)):
        print(target, len(os.listdir(CORPUS / target)), "seeds")


if __name__ == "__main__":
    main()
