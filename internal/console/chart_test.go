package console

import (
	"encoding/xml"
	"strconv"
	"strings"
	"testing"
)

// svgDoc is what the tests read back from a chart: it must parse as XML.
type svgDoc struct {
	Role  string `xml:"role,attr"`
	Title string `xml:"title"`
	Desc  string `xml:"desc"`
	Rects []struct {
		Class  string `xml:"class,attr"`
		X      string `xml:"x,attr"`
		Width  string `xml:"width,attr"`
		Height string `xml:"height,attr"`
		Title  string `xml:"title"`
	} `xml:"rect"`
	Texts []struct {
		Class string `xml:"class,attr"`
		Text  string `xml:",chardata"`
	} `xml:"text"`
}

func parseSVG(t *testing.T, c barChart) svgDoc {
	t.Helper()
	var d svgDoc
	if err := xml.Unmarshal([]byte(c.SVG()), &d); err != nil {
		t.Fatalf("SVG() is not well-formed XML: %v\n%s", err, c.SVG())
	}
	return d
}

// bars returns the heights of the bars (legend swatches left out), keyed
// by their <title>.
func (d svgDoc) bars(t *testing.T) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, r := range d.Rects {
		if !strings.HasPrefix(r.Class, "bar ") {
			continue
		}
		h, err := strconv.ParseFloat(r.Height, 64)
		if err != nil {
			t.Fatalf("bar %q height %q: %v", r.Title, r.Height, err)
		}
		out[r.Title] = h
	}
	return out
}

func TestBarChartScalesToTheLargestValue(t *testing.T) {
	c := barChart{ID: "m", Title: "Messages", Desc: "d", Empty: "No messages.", Axis: "Day", Labels: []string{"Mon", "Tue", "Wed"},
		Series: []chartSeries{{Name: "In", Class: "s0", Values: []int{8, 4, 0}}, {Name: "Bot", Class: "s1", Values: []int{2, 1, 6}}}}
	d := parseSVG(t, c)
	if d.Role != "img" || d.Title != "Messages" || d.Desc != "d" {
		t.Errorf("SVG role, title, desc = %q, %q, %q, want img, Messages, d", d.Role, d.Title, d.Desc)
	}
	bars := d.bars(t)
	if len(bars) != 6 {
		t.Fatalf("SVG() has %d bars, want 6: %v", len(bars), bars)
	}
	for title, want := range map[string]float64{
		"Mon, In: 8": chartPlotH, "Tue, In: 4": chartPlotH / 2, "Wed, In: 0": 0,
		"Mon, Bot: 2": chartPlotH / 4, "Wed, Bot: 6": chartPlotH * 6 / 8,
	} {
		if got, ok := bars[title]; !ok || got < want-0.01 || got > want+0.01 {
			t.Errorf("bar %q height = %v (present %v), want %v", title, got, ok, want)
		}
	}
	ticks := map[string]bool{}
	for _, tx := range d.Texts {
		ticks[tx.Class+":"+tx.Text] = true
	}
	if !ticks["chart-tick:8"] || !ticks["chart-tick:0"] || !ticks["chart-label:Tue"] || !ticks["chart-legend:Bot"] {
		t.Errorf("SVG() texts = %v, want the axis 0 and 8, the labels and the legend", ticks)
	}
	tbl := string(c.Table())
	if !strings.Contains(tbl, `<tr><th scope="row">Wed</th><td>0</td><td>6</td></tr>`) || !strings.Contains(tbl, `class="sr-only"`) {
		t.Errorf("Table() = %s, want a hidden row Wed 0 6", tbl)
	}
}

func TestBarChartEmpty(t *testing.T) {
	for _, c := range []barChart{
		{ID: "e", Title: "Escalations", Empty: "No escalations in these 30 days.", Labels: []string{"Mon", "Tue"},
			Series: []chartSeries{{Name: "Escalations", Class: "s0", Values: []int{0, 0}}}},
		{ID: "e", Title: "Escalations", Empty: "No escalations in these 30 days."},
	} {
		d := parseSVG(t, c)
		if n := len(d.bars(t)); n != 0 {
			t.Errorf("zero data drew %d bars", n)
		}
		if len(d.Texts) != 1 || d.Texts[0].Class != "chart-empty" || d.Texts[0].Text != c.Empty {
			t.Errorf("zero data texts = %+v, want only the empty-state text %q", d.Texts, c.Empty)
		}
	}
}

func TestBarChartEscapes(t *testing.T) {
	evil := `<script>alert("x")</script> & 'q'`
	c := barChart{ID: `a"b`, Title: evil, Desc: evil, Empty: evil, Axis: evil, Labels: []string{evil},
		Series: []chartSeries{{Name: evil, Class: `s0" onclick="x`, Values: []int{3}}}}
	for name, out := range map[string]string{"SVG": string(c.SVG()), "Table": string(c.Table())} {
		if strings.Contains(out, "<script") || strings.Contains(out, `" onclick`) || strings.Contains(out, `a"b`) {
			t.Errorf("%s() let markup through:\n%s", name, out)
		}
	}
	d := parseSVG(t, c) // escaped text still reads back as the original
	if d.Title != evil || d.Desc != evil {
		t.Errorf("title, desc read back as %q, %q, want %q", d.Title, d.Desc, evil)
	}
	if bars := d.bars(t); bars[evil+", "+evil+": 3"] != chartPlotH {
		t.Errorf("the escaped bar's title or height is wrong: %v", bars)
	}
}

// A chart of few labels draws narrow columns centred under their label,
// not bars as wide as the plot.
func TestBarChartCapsBarWidth(t *testing.T) {
	c := barChart{ID: "r", Title: "Requests", Labels: []string{"Last 30 days"},
		Series: []chartSeries{{Name: "On time", Class: "s0", Values: []int{3}}, {Name: "Late", Class: "s3", Values: []int{1}}}}
	d := parseSVG(t, c)
	var xs, ws []float64
	for _, r := range d.Rects {
		if !strings.HasPrefix(r.Class, "bar ") {
			continue
		}
		x, _ := strconv.ParseFloat(r.X, 64)
		w, _ := strconv.ParseFloat(r.Width, 64)
		xs, ws = append(xs, x), append(ws, w)
	}
	if len(ws) != 2 || ws[0] != chartBarMax || ws[1] != chartBarMax {
		t.Fatalf("bar widths = %v, want two of %d", ws, chartBarMax)
	}
	if mid := (xs[0] + xs[1] + ws[1]) / 2; mid != chartLeft+chartPlotW/2 {
		t.Errorf("the bars' centre = %v, want the plot's %d", mid, chartLeft+chartPlotW/2)
	}
}
