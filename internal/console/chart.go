package console

import (
	"fmt"
	"html/template"
	"strings"
)

// barChart is a grouped bar chart drawn as inline SVG on the server: the
// console loads no chart script, and the Content-Security-Policy forbids
// inline style, so the SVG uses presentation attributes for geometry and
// classes from console.css for colour. Each chart names itself with
// <title> and <desc> (role="img"), and comes with a visually hidden
// table holding the same numbers for screen readers.
type barChart struct {
	ID     string // unique on the page: the id of its title and desc
	Title  string
	Desc   string // the numbers in a sentence
	Empty  string // shown instead of bars when every value is zero
	Labels []string
	// Axis is the table's heading for the labels ("Day").
	Axis   string
	Series []chartSeries
	// LabelEvery shows one label in so many below the bars (all when 0
	// or 1); the table lists every one.
	LabelEvery int
}

// chartSeries is one set of bars; Class picks its colour in console.css.
type chartSeries struct {
	Name   string
	Class  string
	Values []int
}

// The drawing's geometry, in viewBox units.
const (
	chartW, chartH        = 720, 200
	chartLeft, chartRight = 48, 8
	chartTop, chartBottom = 28, 36
	chartPlotW            = chartW - chartLeft - chartRight
	chartPlotH            = chartH - chartTop - chartBottom
	chartGap              = 0.2 // the share of each label's width left between groups
	chartBarMax           = 48
)

func (c barChart) max() int {
	m := 0
	for _, s := range c.Series {
		for _, v := range s.Values {
			m = max(m, v)
		}
	}
	return m
}

// SVG draws the chart: bars scaled so the largest value fills the plot's
// height, the largest value and zero on the axis, a legend, and a <title>
// on each bar with its label and number.
func (c barChart) SVG() template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<svg class="chart" viewBox="0 0 %d %d" role="img" aria-labelledby="%s-title %s-desc" xmlns="http://www.w3.org/2000/svg">`,
		chartW, chartH, esc(c.ID), esc(c.ID))
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc>`, esc(c.ID), esc(c.Title), esc(c.ID), esc(c.Desc))
	top := c.max()
	if top == 0 || len(c.Labels) == 0 {
		fmt.Fprintf(&b, `<text class="chart-empty" x="%d" y="%d" text-anchor="middle">%s</text></svg>`, chartW/2, chartH/2, esc(c.Empty))
		return template.HTML(b.String())
	}
	// Legend, left to right along the top.
	x := chartLeft
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<rect class="%s" x="%d" y="6" width="12" height="12"/><text class="chart-legend" x="%d" y="16">%s</text>`,
			esc(s.Class), x, x+16, esc(s.Name))
		x += 16 + 8*len([]rune(s.Name)) + 20
	}
	// Axis: the baseline, the largest value at the top and zero.
	base := chartTop + chartPlotH
	fmt.Fprintf(&b, `<line class="chart-axis" x1="%d" y1="%d" x2="%d" y2="%d" stroke="currentColor"/>`, chartLeft, base, chartW-chartRight, base)
	fmt.Fprintf(&b, `<text class="chart-tick" x="%d" y="%d" text-anchor="end">%d</text>`, chartLeft-6, chartTop+4, top)
	fmt.Fprintf(&b, `<text class="chart-tick" x="%d" y="%d" text-anchor="end">0</text>`, chartLeft-6, base)
	group := float64(chartPlotW) / float64(len(c.Labels))
	// Bars are at most chartBarMax wide, a group centred in its label's
	// width: a chart of one or two labels draws columns, not slabs.
	bar := min(group*(1-chartGap)/float64(len(c.Series)), chartBarMax)
	every := max(c.LabelEvery, 1)
	for i, label := range c.Labels {
		gx := float64(chartLeft) + float64(i)*group + (group-bar*float64(len(c.Series)))/2
		for j, s := range c.Series {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			h := float64(v) / float64(top) * chartPlotH
			fmt.Fprintf(&b, `<rect class="bar %s" x="%.2f" y="%.2f" width="%.2f" height="%.2f"><title>%s, %s: %d</title></rect>`,
				esc(s.Class), gx+float64(j)*bar, float64(base)-h, bar, h, esc(label), esc(s.Name), v)
		}
		if i%every == 0 {
			fmt.Fprintf(&b, `<text class="chart-label" x="%.2f" y="%d" text-anchor="middle">%s</text>`,
				float64(chartLeft)+(float64(i)+0.5)*group, base+16, esc(label))
		}
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String())
}

// Table is the chart's numbers as a table only screen readers see.
func (c barChart) Table() template.HTML {
	esc := template.HTMLEscapeString
	var b strings.Builder
	fmt.Fprintf(&b, `<table class="sr-only"><caption>%s</caption><thead><tr><th scope="col">%s</th>`, esc(c.Title), esc(c.Axis))
	for _, s := range c.Series {
		fmt.Fprintf(&b, `<th scope="col">%s</th>`, esc(s.Name))
	}
	b.WriteString(`</tr></thead><tbody>`)
	for i, label := range c.Labels {
		fmt.Fprintf(&b, `<tr><th scope="row">%s</th>`, esc(label))
		for _, s := range c.Series {
			v := 0
			if i < len(s.Values) {
				v = s.Values[i]
			}
			fmt.Fprintf(&b, `<td>%d</td>`, v)
		}
		b.WriteString(`</tr>`)
	}
	b.WriteString(`</tbody></table>`)
	return template.HTML(b.String())
}
