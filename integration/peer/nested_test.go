package peer_test

import (
	"testing"
)

// nestedCases are nested values, deeper than typeCases' and with NULLs
// inside, as the official driver returns them: JSON text of its own
// rendering (a DATE member as Go's time.Time text; a DECIMAL member is text
// because the official driver does not ask for native Arrow decimals, and
// the emulator then sends decimals as text at every level).
var nestedCases = []typeCase{
	{"array_nulls", "[1, NULL, 3]", "ARRAY", "[1,null,3]"},
	{"array_of_arrays", "[[1], [], NULL, [2, 3]]", "ARRAY", "[[1],[],null,[2,3]]"},
	{"array_of_structs", "[{'a': 1, 'b': 'x'}, NULL]", "ARRAY", `[{"a":1,"b":"x"},null]`},
	{"map_of_arrays", "MAP {'k': [1, 2], 'j': NULL}", "MAP", `{"k":[1,2],"j":null}`},
	{"struct_nested", "{'s': {'t': 'it''s'}, 'l': [true, false], 'd': DATE '2024-01-02'}", "STRUCT",
		`{"s":{"t":"it's"},"l":[true,false],"d":"2024-01-02 00:00:00 +0000 UTC"}`},
	{"struct_decimal", "{'v': 1.25::DECIMAL(4,2)}", "STRUCT", `{"v":"1.25"}`},
}

// TestNativeNestedTypes reads nested values with the official driver's
// defaults, under which it asks for native Arrow complex types
// (useArrowNativeTypes.complexTypesAsArrow): the emulator answers Arrow
// lists, maps and structs and the official driver turns them into JSON text.
func TestNativeNestedTypes(t *testing.T) {
	p := openPeer(t)
	vals, cts := scanOne(t, p, selectOf(nestedCases))
	checkCases(t, nestedCases, vals, cts)
	reqs := p.rec.executeRequests()
	if len(reqs) == 0 {
		t.Fatal("no ExecuteStatement recorded")
	}
	if !reqs[len(reqs)-1].GetUseArrowNativeTypes().GetComplexTypesAsArrow() {
		t.Fatalf("the official driver did not ask for native complex types: %v", reqs[len(reqs)-1].GetUseArrowNativeTypes())
	}
}
