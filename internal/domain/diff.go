package domain

import (
	"encoding/json"
	"fmt"
	"sort"
)

// Change is one field that differs between two versions of a record.
// Field is a path such as person.names[0].given; Old or New is "" where the
// field was absent.
type Change struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// bookkeeping fields change with every version; listing them says nothing.
var bookkeeping = map[string]bool{"version": true, "updated_at": true, "updated_by": true}

// Diff lists the fields that differ between two versions of a record, in
// field order. old may be nil (a creation: every field is new).
func Diff(old, cur *Record) []Change {
	a, b := flatten(old), flatten(cur)
	var out []Change
	for k, v := range b {
		if a[k] != v && !bookkeeping[k] {
			out = append(out, Change{k, a[k], v})
		}
	}
	for k, v := range a {
		if _, ok := b[k]; !ok && !bookkeeping[k] {
			out = append(out, Change{k, v, ""})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// flatten turns a record's JSON form into path → value.
func flatten(r *Record) map[string]string {
	out := map[string]string{}
	if r == nil {
		return out
	}
	data, err := json.Marshal(r)
	if err != nil {
		return out
	}
	var v any
	if json.Unmarshal(data, &v) != nil {
		return out
	}
	walk("", v, out)
	return out
}

func walk(path string, v any, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			p := k
			if path != "" {
				p = path + "." + k
			}
			walk(p, e, out)
		}
	case []any:
		for i, e := range v {
			walk(fmt.Sprintf("%s[%d]", path, i), e, out)
		}
	case nil:
	case string:
		out[path] = v
	default:
		out[path] = fmt.Sprint(v)
	}
}
