package web_test

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/reunite-ftr/reunite/internal/store/storetest"
)

// formControlsWithoutLabel returns the form controls of a page that a
// screen reader could not name: neither inside a <label> nor the target of
// one (by for=id), nor named by aria-label.
func formControlsWithoutLabel(t *testing.T, page string) []string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		t.Fatal(err)
	}
	labelled := map[string]bool{}
	type control struct {
		desc, id string
		inLabel  bool
		aria     bool
	}
	var controls []control
	var walk func(n *html.Node, inLabel bool)
	walk = func(n *html.Node, inLabel bool) {
		if n.Type == html.ElementNode {
			attr := map[string]string{}
			for _, a := range n.Attr {
				attr[a.Key] = a.Val
			}
			switch n.Data {
			case "label":
				if f := attr["for"]; f != "" {
					labelled[f] = true
				}
				inLabel = true
			case "input", "select", "textarea":
				switch attr["type"] {
				case "hidden", "submit", "button":
				default:
					controls = append(controls, control{desc: n.Data + " name=" + attr["name"], id: attr["id"], inLabel: inLabel, aria: attr["aria-label"] != ""})
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, inLabel)
		}
	}
	walk(doc, false)
	var bad []string
	for _, c := range controls {
		if !c.inLabel && !c.aria && (c.id == "" || !labelled[c.id]) {
			bad = append(bad, c.desc)
		}
	}
	return bad
}

// TestEveryControlHasALabel reads the pages a case worker and an
// administrator use and fails on any form control without a label, and on
// a page without a language, a title or a main landmark.
func TestEveryControlHasALabel(t *testing.T) {
	w := newWorld(t, storetest.SQLiteDSN(t), 0)
	for _, who := range []string{"officer@ua.test", "admin@med.test"} {
		c := w.client()
		pages := []string{"/signin"}
		c.mustSignIn(who)
		pages = append(pages, "/", "/records/request", "/records/child/new", "/review", "/cases", "/import", "/ledger", "/admin", "/meetings")
		for _, p := range pages {
			code, body := c.get(p)
			if code == 403 {
				continue
			}
			if bad := formControlsWithoutLabel(t, body); len(bad) > 0 {
				t.Errorf("%s as %s: controls without a label: %v", p, who, bad)
			}
			for _, want := range []string{`<html lang="`, "<title>", `<main id="main"`, `class="skip"`} {
				if !strings.Contains(body, want) {
					t.Errorf("%s as %s: lacks %s", p, who, want)
				}
			}
		}
	}
}

func TestFormControlsWithoutLabel(t *testing.T) {
	for _, tc := range []struct {
		page string
		bad  int
	}{
		{`<form><input name="q"></form>`, 1},
		{`<form><label for="q">Q</label><input id="q" name="q"></form>`, 0},
		{`<form><label>Q <input name="q"></label></form>`, 0},
		{`<form><input name="q" aria-label="Q"><input type="hidden" name="csrf"><select name="s"></select></form>`, 1},
		{`<form><label for="other">Q</label><textarea id="q" name="q"></textarea></form>`, 1},
	} {
		if got := formControlsWithoutLabel(t, tc.page); len(got) != tc.bad {
			t.Errorf("%s: %v, want %d unlabelled", tc.page, got, tc.bad)
		}
	}
}
