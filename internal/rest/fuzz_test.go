package rest

import (
	"fmt"
	"strings"
	"testing"
)

// FuzzDecodeReply decodes arbitrary bytes as the replies of Submit/Status
// and Chunk: no panic, and a decoded link's URL and header values never
// show in the printed reply nor in an error.
func FuzzDecodeReply(f *testing.F) {
	f.Add([]byte(succeeded))
	f.Add([]byte(`{"statement_id":"s","status":{"state":"FAILED","sql_state":"42000","error":{"error_code":"BAD_REQUEST","message":"m"}}}`))
	f.Add([]byte(`{"result":{"external_links":[{"chunk_index":1,"row_offset":"5","row_count":2,"byte_count":"9","external_link":"https://h/p?sig=abcdefgh12","expiration":"2026-12-03T16:00:00Z","http_headers":{"k":"v-secret-12"},"next_chunk_index":2}]}}`))
	f.Add([]byte(`{"chunk_index":3,"row_offset":"9223372036854775807","attachment":"QUJD","data_array":[["1",null]]}`))
	f.Add([]byte(`{"row_count":"-1"} x`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var sr StatementResponse
		errS := decodeReply(data, &sr)
		var rd ResultData
		errR := decodeReply(data, &rd)
		var secrets []string
		for _, r := range []*ResultData{sr.Result, &rd} {
			if r == nil {
				continue
			}
			for _, lk := range r.ExternalLinks {
				secrets = append(secrets, lk.URL.Reveal())
				for _, v := range lk.Headers {
					secrets = append(secrets, v.Reveal())
				}
			}
		}
		printed := fmt.Sprintf("%v %+v %#v %v %+v", sr, sr.Result, sr.Manifest, rd, rd.ExternalLinks)
		if errS != nil {
			printed += errS.Error()
		}
		if errR != nil {
			printed += errR.Error()
		}
		for _, s := range secrets {
			if len(s) >= 8 && strings.Contains(printed, s) {
				t.Fatalf("secret %q printed", s)
			}
		}
	})
}
