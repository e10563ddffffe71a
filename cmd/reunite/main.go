// Command reunite is the cross-border family tracing and reunification
// system. See README.md, or run reunite --help.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/reunite-ftr/reunite/internal/cli"
)

func main() {
	root := cli.NewRoot(os.Stdout, os.Stderr)
	if err := root.ExecuteContext(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "reunite:", err)
		os.Exit(1)
	}
}
