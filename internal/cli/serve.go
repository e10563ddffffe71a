package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os/signal"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/ratelimit"
	"github.com/reunite-ftr/reunite/internal/web"
)

func serveCmd(e *env) *cobra.Command {
	var addr string
	var opts web.Options
	var rates rateFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web pages and the JSON API",
		Long: `Serve the web pages (sign in at /signin) and the JSON API under /api/v1
(and GET /healthz) until interrupted. Behind HTTPS, give --secure-cookies.
The garbage collector runs at GOGC=400 with a soft memory limit of half the
machine's memory, unless the GOGC and GOMEMLIMIT environment variables set
them.`,
		Args: cobra.NoArgs,
		RunE: e.withApp(func(cmd *cobra.Command, _ []string, a *app.App) error {
			// The engine trains in the background: pages and the API
			// answer meanwhile, and new records are matched once it is
			// ready.
			go func() {
				if err := a.StartMatching(context.WithoutCancel(cmd.Context())); err != nil {
					e.log.Error("matching engine", "err", err)
				}
			}()
			opts.Limits = rates.limits()
			tuneGC(e.log)
			e.serveKeys(cmd.Context(), a)
			return serve(cmd.Context(), e.log, a, addr, opts, nil)
		}),
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&opts.SecureCookies, "secure-cookies", false, "mark session cookies Secure (__Host- prefix); set whenever served over HTTPS")
	rates.register(cmd.Flags())
	return cmd
}

// rateFlags are serve's rate limits. The defaults leave people and
// scripts alone (a case worker makes a few requests a second, a script
// paging through a list a few dozen) while one client cannot take the
// server for itself, and sign-in guessing from one address is slowed to
// a crawl on top of the per-account lockout. Behind a reverse proxy every
// client has the proxy's address: raise --rate-ip or set it to 0 there.
type rateFlags struct {
	ip, user, signIn float64
	keys             int
}

func (f *rateFlags) register(fs *pflag.FlagSet) {
	fs.Float64Var(&f.ip, "rate-ip", 1000, "requests per second from one client address (bursts of twice as many); 0: no limit")
	fs.Float64Var(&f.user, "rate-user", 100, "requests per second by one user or API token's user (bursts of twice as many); 0: no limit")
	fs.Float64Var(&f.signIn, "rate-signin", 20, "sign-in attempts (password or code) per minute from one client address (bursts as many); 0: no limit")
	fs.IntVar(&f.keys, "rate-keys", ratelimit.DefaultMaxKeys, "addresses or users remembered per limit (least recently seen forgotten first)")
}

func (f rateFlags) limits() ratelimit.Limits {
	var l ratelimit.Limits
	// A nil *Buckets must not become a non-nil interface holding nil:
	// Check treats both as no limit, but keep the interface nil.
	if b := ratelimit.New(ratelimit.Config{Rate: f.ip, Burst: int(2 * f.ip), MaxKeys: f.keys}); b != nil {
		l.IP = b
	}
	if b := ratelimit.New(ratelimit.Config{Rate: f.user, Burst: int(2 * f.user), MaxKeys: f.keys}); b != nil {
		l.User = b
	}
	if b := ratelimit.New(ratelimit.Config{Rate: f.signIn, Per: time.Minute, Burst: int(f.signIn), MaxKeys: f.keys}); b != nil {
		l.SignIn = b
	}
	return l
}

// handler serves the API under /api/ and /healthz, and the pages
// everywhere else.
func handler(a *app.App, log *slog.Logger, opts web.Options) (http.Handler, error) {
	pages, err := web.New(a, log, opts)
	if err != nil {
		return nil, err
	}
	apiSrv := api.New(a, log)
	apiSrv.SetLimits(opts.Limits)
	mux := http.NewServeMux()
	mux.Handle("/api/", apiSrv)
	mux.Handle("/healthz", apiSrv)
	mux.Handle("/", pages)
	return mux, nil
}

// serve runs the HTTP server until ctx ends or SIGINT/SIGTERM arrives, then
// drains requests in flight. ready, if set, is called once it listens.
func serve(ctx context.Context, log *slog.Logger, a *app.App, addr string, opts web.Options, ready func(url string)) error {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	h, err := handler(a, log, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       5 * time.Minute, // large list uploads
		WriteTimeout:      5 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	url := "http://" + ln.Addr().String()
	log.Info("serving", "url", url, "database", a.Store().Dialect())
	if ready != nil {
		ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// version is set at build time with -ldflags "-X ...cli.version=v1.2.3".
var version = ""

// Version returns the build's version: the -ldflags value, else the module
// version or VCS revision recorded by the Go toolchain.
func Version() string {
	if version != "" {
		return version
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "unknown"
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		return v
	}
	for _, s := range info.Settings {
		if s.Key == "vcs.revision" && len(s.Value) >= 12 {
			return "dev-" + s.Value[:12]
		}
	}
	return "dev"
}
