package web

import (
	"net/http"

	"github.com/reunite-ftr/reunite/internal/app"
)

// publicStats is the data of the public statistics page.
type publicStats struct {
	app.PublicStatistics
}

// statisticsPage serves the public statistics: no sign-in, counts only,
// small counts suppressed (the same figures as GET /api/v1/public/statistics).
func (s *Server) statisticsPage(w http.ResponseWriter, r *http.Request) {
	rq := &request{w: w, r: r, loc: s.i18n.For(s.language(r))}
	st, err := s.app.PublicStatistics(r.Context())
	if err != nil {
		s.fail(rq, err)
		return
	}
	s.render(rq, http.StatusOK, "statistics", "public.title", "", publicStats{st})
}
