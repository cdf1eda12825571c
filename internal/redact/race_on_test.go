//go:build race

package redact

// raceEnabled: the race detector slows memory access unevenly, so the
// timing tests skip themselves under it.
const raceEnabled = true
