package web

import "net/http"

func (s *Server) routes() {
	m := s.mux
	m.HandleFunc("GET /signin", s.signInPage)
	m.HandleFunc("POST /signin", s.signIn)
	m.HandleFunc("GET /signin/totp", s.totpPage)
	m.HandleFunc("POST /signin/totp", s.presentTOTP)
	m.HandleFunc("GET /account/totp", s.enrolPage)
	m.HandleFunc("POST /account/totp", s.enrol)
	m.HandleFunc("POST /signout", s.signOut)
	m.HandleFunc("GET /lang/{lang}", s.setLanguage)
	m.HandleFunc("GET /statistics", s.statisticsPage) // public: no sign-in

	s.page("GET /{$}", s.dashboard)
	s.routeRecords()
	s.routeReview()
	s.routeCases()
	s.routeTransfer()
	s.routeAdmin()
	s.routeLedger()
	s.routeMeetings()

	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		rq := &request{w: w, r: r, loc: s.i18n.For(s.language(r))}
		s.errorPage(rq, http.StatusNotFound, "error.notfound")
	})
}
