// Command trement is the compliance-first WhatsApp AI customer-service gateway.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "trement: under construction")
	os.Exit(1)
}
