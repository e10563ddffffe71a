package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/reunite-ftr/reunite/internal/domain"
)

// pdfFont is the Go font family: it covers Latin and Cyrillic (WGL4), so a
// handover summary prints every name as written, and it ships as a Go
// module rather than a font file in the repository.
const pdfFont = "go"

var pdfFonts = []*entity.CustomFont{
	{Family: pdfFont, Style: fontstyle.Normal, Bytes: goregular.TTF},
	{Family: pdfFont, Style: fontstyle.Bold, Bytes: gobold.TTF},
}

// caseSummary is the one-page summary of a case that travels with a
// handover: who, which case, each step with its date, and the ledger
// entries that record them. It shows only what the user may see.
func (s *Server) caseSummary(rq *request) error {
	ctx, p := rq.r.Context(), rq.principal()
	id := rq.r.PathValue("id")
	cv, err := s.app.Case(ctx, p, id)
	if err != nil {
		return err
	}
	receipts, err := s.app.CaseReceipts(ctx, p, id)
	if err != nil {
		return err
	}
	orgs, err := s.app.Orgs(ctx, p)
	if err != nil {
		return err
	}
	orgName := map[string]string{}
	for _, o := range orgs {
		orgName[o.ID] = o.Name
	}
	L := rq.loc
	cfg := config.NewBuilder().WithCustomFonts(pdfFonts).WithDefaultFont(&props.Font{Family: pdfFont, Size: 10}).
		WithTitle(L.T("case.number", cv.Number), true).WithCreator("reunite", true).Build()
	m := maroto.New(cfg)
	bold := props.Text{Style: fontstyle.Bold, Size: 10}
	m.AddRow(10, text.NewCol(12, L.T("pdf.title", cv.Number), props.Text{Style: fontstyle.Bold, Size: 14}))
	m.AddRow(6, text.NewCol(12, L.T("pdf.synthetic")))
	line := func(label, value string) {
		m.AddAutoRow(text.NewCol(4, label, bold), text.NewCol(8, value))
	}
	line(L.T("dash.state"), L.T("state."+cv.State))
	line(L.T("record.category"), L.T("category."+cv.Category))
	line(L.T("records.turned18"), L.T("tristate."+string(cv.Turned18Now)))
	line(L.T("case.opened"), L.DateTime(cv.OpenedAt))
	if cv.ReunitedOn != "" {
		line(L.T("case.reunited_on"), cv.ReunitedOn)
	}
	person := func(title string, r *domain.Record, org string) {
		m.AddRow(8, text.NewCol(12, title, props.Text{Style: fontstyle.Bold, Size: 12, Top: 3}))
		line(L.T("record.owner"), orgName[org])
		if r == nil {
			line(L.T("record.name"), L.T("review.notshared"))
			return
		}
		n := r.Person.PrimaryName()
		name := n.Full()
		if t := transliteration(n); t != "" {
			name += " (" + t + ")"
		}
		line(L.T("record.name"), name)
		if !r.Person.BirthDate.IsZero() {
			line(L.T("record.birth_date"), r.Person.BirthDate.String())
		}
		if r.Person.Sex != "" {
			line(L.T("record.sex"), L.T("sex."+string(r.Person.Sex)))
		}
		if !r.Person.LastHome.IsZero() {
			line(L.T("record.place"), r.Person.LastHome.String())
		}
		var rel []string
		for _, x := range r.Person.Relatives {
			rel = append(rel, L.T("relation."+string(x.Relation))+": "+x.Name)
		}
		if len(rel) > 0 {
			line(L.T("pdf.relatives"), strings.Join(rel, "; "))
		}
		if r.Enquirer != nil && r.Enquirer.Name != "" {
			line(L.T("record.enquirer"), r.Enquirer.Name)
		}
	}
	person(L.T("kind.child"), cv.Child, cv.ChildOrg)
	person(L.T("kind.request"), cv.Request, cv.RequestOrg)
	m.AddRow(8, text.NewCol(12, L.T("case.timeline"), props.Text{Style: fontstyle.Bold, Size: 12, Top: 3}))
	for _, e := range cv.Events {
		step := L.T("state." + e.To)
		if e.From != "" {
			step = L.T("state."+e.From) + " → " + step
		}
		if e.Reason != "" {
			step += " — " + e.Reason
		}
		m.AddAutoRow(text.NewCol(4, L.DateTime(e.At)+" · "+orgName[e.ActorOrg]), text.NewCol(8, step))
	}
	m.AddRow(8, text.NewCol(12, L.T("case.receipts"), props.Text{Style: fontstyle.Bold, Size: 12, Top: 3}))
	for _, r := range receipts {
		m.AddAutoRow(text.NewCol(4, fmt.Sprintf("#%d", r.Index)), text.NewCol(8, L.T("ledgerkind."+r.Kind)+" · "+L.DateTime(r.At)))
	}
	doc, err := m.Generate()
	if err != nil {
		return err
	}
	rq.w.Header().Set("Content-Type", "application/pdf")
	rq.w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="case-%d.pdf"`, cv.Number))
	rq.w.WriteHeader(http.StatusOK)
	_, err = rq.w.Write(doc.GetBytes())
	return err
}
