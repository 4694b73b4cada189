// Package rpc is the transport of the driver: a client for the TCLIService
// methods a SQL driver uses, speaking the Thrift binary protocol over HTTP.
//
// # Wire format
//
// Every call is one HTTP POST whose body is a strict Thrift binary-protocol
// message (not framed, not multiplexed: the message name is the bare method
// name). The reply body is the Thrift reply message. A non-200 status carries
// no reply; it is reported as an [*HTTPError] whose Reason comes from the
// X-Databricks-Reason-Phrase or X-Thriftserver-Error-Message header.
//
// # Errors
//
// A reply whose TStatus is ERROR_STATUS or INVALID_HANDLE_STATUS is returned
// together with a [*StatusError], so callers keep the whole response. A Thrift
// application exception, a malformed reply and a reply without a result are
// errors. Transport errors are wrapped with the method name; when the context
// ends, the error wraps ctx.Err().
//
// # Retries
//
// HTTP 429 and 503 mean the server did not process the request and are retried
// for every method, honouring Retry-After (seconds or an HTTP date). Other 5xx
// statuses and transport errors are retried only for methods that are safe to
// repeat, as reported by [Safe]. Waits use exponential backoff with full
// jitter and are bounded by the context and by [RetryPolicy.Budget]. A
// connection that could not be made is retried for every method, since the
// request never left the client. [NotProcessed] tells callers whether a failed
// request certainly did not run.
//
// # Authentication
//
// An [Authenticator] adds credentials to every request, retries included:
// [Bearer] a fixed access token, [Basic] a user name and password,
// [TokenSource] the tokens of an oauth2.TokenSource, and [ClientCredentials]
// the OAuth machine-to-machine grant of a service principal, whose tokens
// are cached and refreshed a minute before they expire. Their errors never
// quote a token or a client secret.
//
// # Logging
//
// With a non-nil Options.Logger each attempt is logged at Debug level with the
// method, attempt number, duration and outcome. Headers and bodies are never
// logged.
package rpc
