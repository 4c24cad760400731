// Passkey ceremonies (WebAuthn Level 3) on the JSON forms the server speaks: it sends
// PublicKeyCredentialCreationOptionsJSON / PublicKeyCredentialRequestOptionsJSON and takes back
// what PublicKeyCredential.toJSON() gives (RegistrationResponseJSON /
// AuthenticationResponseJSON), posted as is.
//
// The browser's own converters (PublicKeyCredential.parseCreationOptionsFromJSON,
// parseRequestOptionsFromJSON, toJSON(); Chromium 129, Firefox 119, Safari 18.4) are used when
// present. Older browsers get the small base64url <-> ArrayBuffer conversions below, which
// produce the members the server reads (src/webauthn/response_json.h) and nothing more.

// The browser can make and use passkeys here: a secure context (https, or http://localhost)
// reached by a domain name (an IP address is never a relying party id: WebAuthn section 5.1.3
// would refuse with a SecurityError).
export function passkeysSupported() {
  const ipAddress = /^[0-9.]+$|^\[/.test(window.location.hostname);
  return (
    window.isSecureContext &&
    !ipAddress &&
    typeof window.PublicKeyCredential === 'function' &&
    !!navigator.credentials &&
    typeof navigator.credentials.create === 'function'
  );
}

// Why a ceremony failed, in words for the page; null for "the user cancelled or it timed out"
// (NotAllowedError, which the specification uses for both on purpose), nothing to report.
export function passkeyProblem(err) {
  if (!err || typeof err.name !== 'string') return null;
  switch (err.name) {
    case 'NotAllowedError':
    case 'AbortError':
      return null;
    case 'InvalidStateError':
      return 'This device already holds a passkey for your account.';
    case 'SecurityError':
      return 'Passkeys do not work at this address: they need https and a domain name.';
    case 'NotSupportedError':
      return 'This device supports none of the passkey types the server accepts.';
    default:
      return 'The passkey did not work. Try again, or use another way.';
  }
}

// Makes a passkey from PublicKeyCredentialCreationOptionsJSON; resolves to the
// RegistrationResponseJSON. Rejects with the browser's DOMException (see passkeyProblem).
export async function createPasskey(optionsJSON) {
  const publicKey =
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
      ? PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON)
      : creationOptions(optionsJSON);
  const credential = await navigator.credentials.create({ publicKey });
  return credentialJSON(credential);
}

// Signs in with a passkey from PublicKeyCredentialRequestOptionsJSON; resolves to the
// AuthenticationResponseJSON.
export async function getPasskey(optionsJSON) {
  const publicKey =
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'
      ? PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON)
      : requestOptions(optionsJSON);
  const credential = await navigator.credentials.get({ publicKey });
  return credentialJSON(credential);
}

function credentialJSON(credential) {
  if (!credential) throw new DOMException('No passkey was given.', 'NotAllowedError');
  return typeof credential.toJSON === 'function' ? credential.toJSON() : toJSON(credential);
}

// ---- for browsers without the Level 3 JSON methods --------------------------------------------

function fromBase64url(text) {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function descriptors(list) {
  return (list || []).map((d) => ({ ...d, id: fromBase64url(d.id) }));
}

function creationOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: descriptors(json.excludeCredentials),
  };
}

function requestOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: descriptors(json.allowCredentials),
  };
}

function toJSON(credential) {
  const r = credential.response;
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
  } else {
    response.authenticatorData = toBase64url(r.authenticatorData);
    response.signature = toBase64url(r.signature);
    response.userHandle = r.userHandle ? toBase64url(r.userHandle) : null;
  }
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment || null,
    response,
    clientExtensionResults: credential.getClientExtensionResults(),
  };
}
