// Package secret holds the values the driver must never print: access
// tokens, passwords, OAuth client secrets, the secrets of operation and
// session handles, presigned URLs.
//
// # Printing
//
// [String] and [Bytes] print as [Redacted] (or as nothing when empty) under
// every fmt verb and flag, as slog values ([slog.LogValuer], for the JSON and
// the text handler alike), through encoding/json ([json.Marshaler]) and every
// encoder that uses [encoding.TextMarshaler] (encoding/xml, map keys of
// encoding/json). encoding/gob refuses them with an error.
//
// fmt calls no method of a value reached through an unexported struct field:
// it prints such a value by reflection. A secret therefore holds its bytes
// behind a pointer, which fmt prints as an address, and masked with a key
// drawn at process start, so that printers that follow pointers and read
// unexported fields (deep pretty-printers, the diff of a failed test
// assertion) print noise, not the secret. The mask is no encryption against
// someone who can read the process's memory; it keeps a secret out of output.
//
// # Use
//
// Wrap a secret where it enters the driver ([NewString], [NewBytes]) and
// call Reveal only where it is sent: building an Authorization header, a
// request to the token endpoint, an RPC's handle. Reveal returns a copy.
package secret
