package defaults

import "time"

const (
	// MaxRows is the number of rows per result page asked for in
	// FetchResults and direct results.
	MaxRows = 100000
	// PollMin is the first interval between status polls of a running
	// statement.
	PollMin = 100 * time.Millisecond
	// PollMax is the largest interval between status polls.
	PollMax = 5 * time.Second
	// MaxDownloads is the number of result-link files downloaded or held at
	// once.
	MaxDownloads = 8
	// RetryMax is the largest number of HTTP requests for one RPC, retries
	// included.
	RetryMax = 5
	// RetryBudget bounds the time one RPC may spend retrying.
	RetryBudget = 2 * time.Minute
)
