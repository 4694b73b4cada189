package driver

import (
	"testing"
	"time"
)

func TestSessionZone(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Skipf("no time zone database: %v", err)
	}
	for _, tc := range []struct {
		params map[string]string
		want   *time.Location
	}{
		{nil, time.UTC},
		{map[string]string{"timezone": "Asia/Tokyo"}, tokyo},
		{map[string]string{"TimeZone": "Asia/Tokyo"}, tokyo},
		{map[string]string{"spark.sql.session.timeZone": "Asia/Tokyo"}, tokyo},
		{map[string]string{"set:hiveconf:spark.sql.session.timeZone": "Asia/Tokyo"}, tokyo},
		{map[string]string{"timezone": "Not/AZone"}, time.UTC},
		{map[string]string{"ansi_mode": "true"}, time.UTC},
	} {
		c := &Connector{cfg: &Config{SessionParams: tc.params}}
		if got := c.sessionZone(); got.String() != tc.want.String() {
			t.Errorf("%v: zone %v, want %v", tc.params, got, tc.want)
		}
	}
}
