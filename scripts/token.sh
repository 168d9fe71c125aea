# ./ledger token: prints a bearer token (JWT, HS256) signed with local mode's key.
# shellcheck shell=bash

ledger_token() {
  local sub="" role="" ttl=3600
  while [ $# -gt 0 ]; do
    case "$1" in
      --sub) sub="${2:-}"; shift 2 ;;
      --role) role="${2:-}"; shift 2 ;;
      --ttl) ttl="${2:-}"; shift 2 ;;
      *) die "token: unknown option '$1' (use --sub NAME --role ROLE [--ttl SECONDS])" ;;
    esac
  done
  [[ "$sub" =~ ^[A-Za-z0-9._-]{1,64}$ ]] || die "token: --sub must be a user id: 1-64 letters, digits, . _ or -"
  case "$role" in user|engine|treasury|analyst|admin) ;; *) die "token: --role must be one of user, engine, treasury, analyst, admin" ;; esac
  [[ "$ttl" =~ ^[0-9]+$ ]] && [ "$ttl" -ge 1 ] && [ "$ttl" -le 86400 ] || die "token: --ttl must be 1..86400 seconds"
  command -v openssl >/dev/null || ledger_ensure_packages openssl

  local key_hex now header payload signature
  key_hex="$(ledger_signing_key | base64 -d | od -An -v -tx1 | tr -d ' \n')"
  now="$(date +%s)"
  header="$(printf '{"alg":"HS256","typ":"JWT"}' | ledger_base64url)"
  payload="$(printf '{"sub":"%s","role":"%s","iss":"%s","aud":"%s","iat":%d,"nbf":%d,"exp":%d}' \
    "$sub" "$role" "${Auth__Issuer:-ledger}" "${Auth__Audience:-ledger}" "$now" "$now" "$((now + ttl))" | ledger_base64url)"
  signature="$(printf '%s.%s' "$header" "$payload" | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$key_hex" -binary | ledger_base64url)"
  printf '%s.%s.%s\n' "$header" "$payload" "$signature"
}

ledger_base64url() { base64 -w0 | tr '+/' '-_' | tr -d '='; }
