// Package rpctest connects the real RPC client (internal/rpc) to the fake
// TCLIService of internal/tclitest for the unit tests of the layers above
// them (internal/hs2, driver): over HTTP through httptest, or in process for
// testing/synctest bubbles, with a retry policy that retries quickly.
//
// It is not a fake of its own and holds no test logic: it lives apart from
// tclitest because tclitest's fake is also what internal/rpc's own tests
// run against, and so cannot import rpc.
package rpctest
