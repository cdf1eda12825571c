package policy

import (
	"fmt"
	"slices"
	"time"
)

// Retention is how long one region's data is kept, overriding the
// business's default (TREMENT_RETENTION_DAYS), and how long an erased
// customer's data stays blocked where the region's pack blocks before it
// deletes (Spain, Mexico). Zero fields keep the default.
type Retention struct {
	// Days messages, and customers who stopped writing, are kept.
	Days int `json:"days,omitempty"`
	// BlockDays is the blocking period: erased data stays unreadable to
	// all but the DPO answering a court or authority, then is shredded.
	BlockDays int `json:"block_days,omitempty"`
}

// defaultBlockDays is the blocking period where a pack blocks and the
// policy file sets none: three years, the longest limitation period of
// infringements under LOPDGDD Art. 78(1) ("muy graves"), which is what
// the Art. 32 block serves. Mexico's block lasts the limitation period of
// the legal relationship [unsure of the figure]; the same three years
// apply unless overridden.
const defaultBlockDays = 3 * 365

func (c Config) validateRetention() []error {
	var errs []error
	regions := make([]Region, 0, len(c.Retention))
	for r := range c.Retention {
		regions = append(regions, r)
	}
	slices.Sort(regions)
	for _, r := range regions {
		rt := c.Retention[r]
		switch {
		case !r.known():
			errs = append(errs, fmt.Errorf("retention: unknown region %q, want one of %s", r, regionList()))
		case rt.Days < 0 || rt.Days > 3650:
			errs = append(errs, fmt.Errorf("retention %s: days is %d, want 1 to 3650 (0: the default)", r, rt.Days))
		case rt.BlockDays < 0 || rt.BlockDays > 7300:
			errs = append(errs, fmt.Errorf("retention %s: block_days is %d, want 1 to 7300 (0: the default)", r, rt.BlockDays))
		}
	}
	return errs
}

// RetentionFor returns how long data of region r is kept: the policy
// file's figure, or def.
func (e *Engine) RetentionFor(r Region, def time.Duration) time.Duration {
	if rt, ok := e.retention[r]; ok && rt.Days > 0 {
		return time.Duration(rt.Days) * 24 * time.Hour
	}
	return def
}

// RetentionOverrides returns the regions whose retention the policy file
// sets, and for how long.
func (e *Engine) RetentionOverrides() map[Region]time.Duration {
	out := map[Region]time.Duration{}
	for r, rt := range e.retention {
		if rt.Days > 0 {
			out[r] = time.Duration(rt.Days) * 24 * time.Hour
		}
	}
	return out
}

// BlockPeriod returns how long an erasure of a customer of region r blocks
// before it shreds, or zero where the region's pack does not block.
func (e *Engine) BlockPeriod(r Region) time.Duration {
	p, ok := e.Pack(r)
	if !ok || !p.BlockBeforeDelete {
		return 0
	}
	days := defaultBlockDays
	if rt, ok := e.retention[r]; ok && rt.BlockDays > 0 {
		days = rt.BlockDays
	}
	return time.Duration(days) * 24 * time.Hour
}
