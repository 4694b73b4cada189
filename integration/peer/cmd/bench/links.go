package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/asyncsql/databricks/integration/emulator"
	"github.com/asyncsql/databricks/integration/peer/cmd/bench/client"
)

// linkLatency is the emulator's delay before every result-file download.
const linkLatency = 20 * time.Millisecond

// links measures result links (CloudFetch): both drivers stream a result of
// LinkRows rows that an emulator of its own answers as links to files of
// LinkFileRows rows, each download delayed by linkLatency; the drivers
// alternate over the rounds. As for the scans, each driver's Thrift
// exchange is recorded once and replayed (the emulator would otherwise be
// the bottleneck: it builds every file while answering FetchResults); the
// replayed links still point at the emulator, which keeps the files and
// serves every download with the latency.
func (b *bench) links() error {
	s, err := emulator.New(emulator.WithLinks(emulator.LinkOptions{
		ThresholdRows: int64(b.o.LinkFileRows),
		FileRows:      b.o.LinkFileRows,
		Latency:       linkLatency,
	}))
	if err != nil {
		return err
	}
	defer s.Close()
	b.logf("links: seeding %d rows (files of %d rows, %s per download)", b.o.LinkRows, b.o.LinkFileRows, linkLatency)
	if err := seed(s, b.o.LinkRows, 1); err != nil {
		return err
	}
	size, err := fileSize(b.o.LinkFileRows)
	if err != nil {
		return err
	}
	b.add("links/filebytes", float64(size))
	q := "SELECT b, d, s, dec, ts, dt, bo, ni FROM t"
	vs := []variant{
		{"ours", ours, client.Spec{Kind: "scan", Query: q, LZ4: true}},
		{"official", official, client.Spec{Kind: "scan", Query: q, CloudFetch: true}},
	}
	tapes := map[string]*tape{}
	for _, v := range vs {
		t, err := newTape(fmt.Sprintf("http://%s:%d", s.Host(), s.Port()))
		if err != nil {
			return err
		}
		defer t.close()
		b.logf("recording: links %s", v.name)
		if _, err := b.child(v.bin(b), b.onLinkTape(t, s, v.spec)); err != nil {
			return err
		}
		tapes[v.name] = t
	}
	for round := range b.o.Rounds {
		for i := range vs {
			v := vs[i]
			if round%2 == 1 {
				v = vs[len(vs)-1-i]
			}
			b.logf("round %d: links %s", round+1, v.name)
			before := s.LinkStats()
			t := tapes[v.name]
			t.replay()
			r, err := b.child(v.bin(b), b.onLinkTape(t, s, v.spec))
			if err != nil {
				return err
			}
			if r.Rows != int64(b.o.LinkRows) {
				return fmt.Errorf("links %s: %d rows, want %d", v.name, r.Rows, b.o.LinkRows)
			}
			after := s.LinkStats()
			served := after.Served - before.Served
			if want := int64((b.o.LinkRows + b.o.LinkFileRows - 1) / b.o.LinkFileRows); served < want {
				return fmt.Errorf("links %s: %d files downloaded, want %d (the result did not come as links)", v.name, served, want)
			}
			b.add(v.name+"/links-rps", float64(r.Rows)/(r.Seconds-r.TTFR))
			b.add(v.name+"/links-whole-rps", float64(r.Rows)/r.Seconds)
			b.add(v.name+"/links-heap", float64(r.PeakHeap))
		}
	}
	return nil
}

// onLinkTape points spec at the tape t in front of the emulator s.
func (b *bench) onLinkTape(t *tape, s *emulator.Server, spec client.Spec) client.Spec {
	host, port, _ := strings.Cut(t.addr, ":")
	spec.Host, spec.Path, spec.Token = host, s.HTTPPath(), s.Token()
	fmt.Sscan(port, &spec.Port)
	return spec
}

// fileSize is the size of an uncompressed Arrow IPC file of rows rows of the
// dataset: the benchmark's 10,000-row stream scaled (files of the emulator
// are uncompressed for the official driver and decode to about this size
// for both).
func fileSize(rows int) (int, error) {
	stream, err := arrowStream()
	if err != nil {
		return 0, err
	}
	return len(stream) * rows / batchRows, nil
}
