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

	"github.com/reunite-ftr/reunite/internal/api"
	"github.com/reunite-ftr/reunite/internal/app"
	"github.com/reunite-ftr/reunite/internal/web"
)

func serveCmd(e *env) *cobra.Command {
	var addr string
	var opts web.Options
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web pages and the JSON API",
		Long: `Serve the web pages (sign in at /signin) and the JSON API under /api/v1
(and GET /healthz) until interrupted. Behind HTTPS, give --secure-cookies.`,
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
			e.serveKeys(cmd.Context(), a)
			return serve(cmd.Context(), e.log, a, addr, opts, nil)
		}),
	}
	cmd.Flags().StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on")
	cmd.Flags().BoolVar(&opts.SecureCookies, "secure-cookies", false, "mark session cookies Secure (__Host- prefix); set whenever served over HTTPS")
	return cmd
}

// handler serves the API under /api/ and /healthz, and the pages
// everywhere else.
func handler(a *app.App, log *slog.Logger, opts web.Options) (http.Handler, error) {
	pages, err := web.New(a, log, opts)
	if err != nil {
		return nil, err
	}
	apiSrv := api.New(a, log)
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
