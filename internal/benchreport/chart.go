package benchreport

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/png"
	"io"
	"math"
	"strconv"

	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Chart geometry, in pixels.
const (
	panelW   = 400
	panelH   = 270
	columns  = 3
	headerH  = 44
	plotTop  = 40 // inside a panel: title and unit above the plot
	plotBot  = 40 // inside a panel: labels under the plot
	plotLeft = 56
	plotRite = 14
)

var (
	colorBackground = color.RGBA{255, 255, 255, 255}
	colorText       = color.RGBA{30, 30, 30, 255}
	colorGrid       = color.RGBA{225, 225, 225, 255}
	colorAxis       = color.RGBA{120, 120, 120, 255}
	colorWhisker    = color.RGBA{40, 40, 40, 255}
	// kindColors: Samsa blue, Kafka orange, anything else grey.
	kindColors = map[string]color.RGBA{Samsa: {31, 119, 180, 255}, Kafka: {255, 127, 14, 255}}
)

// panel is one chart cell: the figures of one scenario and group, each a
// cluster of bars (one bar per broker kind).
type panel struct {
	title, unit string
	better      Better
	clusters    []cluster
}

type cluster struct {
	label string
	bars  []Result // one per kind, Samsa first
}

// panels groups the charted results into panels in report order.
func panels(results []Result) []*panel {
	var out []*panel
	index := map[string]*panel{}
	for _, r := range results {
		if !r.Chart {
			continue
		}
		group := r.Group
		label := r.Name
		if group == "" {
			group = r.Name
			label = ""
		}
		key := r.Scenario + "\x00" + group
		p, ok := index[key]
		if !ok {
			p = &panel{title: r.Scenario + ": " + group, unit: r.Unit, better: r.Better}
			index[key] = p
			out = append(out, p)
		}
		if n := len(p.clusters); n == 0 || p.clusters[n-1].label != label {
			p.clusters = append(p.clusters, cluster{label: label})
		}
		c := &p.clusters[len(p.clusters)-1]
		c.bars = append(c.bars, r)
	}
	return out
}

// WritePNG draws the charted figures: one panel per scenario and group,
// the median of each broker kind as a bar beside the other kind's, with a
// whisker from min to max.
func (r *Report) WritePNG(w io.Writer) error {
	ps := panels(r.Results())
	rows := max(1, (len(ps)+columns-1)/columns)
	img := image.NewRGBA(image.Rect(0, 0, columns*panelW, headerH+rows*panelH))
	draw.Draw(img, img.Bounds(), image.NewUniform(colorBackground), image.Point{}, draw.Src)

	meta, _ := r.snapshot()
	text(img, 10, 18, colorText, fmt.Sprintf("Samsa beside Apache Kafka %s, %s (scale %g): median bars, min-max whiskers",
		meta.KafkaVersion, meta.Started.UTC().Format("2006-01-02 15:04 UTC"), meta.Scale))
	x := 10
	for _, k := range []string{Samsa, Kafka} {
		fill(img, image.Rect(x, 26, x+12, 38), kindColors[k])
		text(img, x+16, 37, colorText, k)
		x += 90
	}
	if len(ps) == 0 {
		text(img, 10, headerH+20, colorText, "no charted figures")
	}
	for i, p := range ps {
		ox, oy := (i%columns)*panelW, headerH+(i/columns)*panelH
		drawPanel(img, image.Rect(ox, oy, ox+panelW, oy+panelH), p)
	}
	if err := png.Encode(w, img); err != nil {
		return fmt.Errorf("benchreport: encode PNG: %w", err)
	}
	return nil
}

func drawPanel(img *image.RGBA, area image.Rectangle, p *panel) {
	x0, y0 := area.Min.X, area.Min.Y
	text(img, x0+8, y0+16, colorText, clip(p.title, panelW-16))
	text(img, x0+8, y0+31, colorAxis, clip(p.unit+", "+string(p.better)+" is better", panelW-16))
	plot := image.Rect(x0+plotLeft, y0+plotTop, x0+panelW-plotRite, y0+panelH-plotBot)

	top := 0.0
	for _, c := range p.clusters {
		for _, b := range c.bars {
			top = math.Max(top, b.Max)
		}
	}
	step := niceStep(top / 4)
	if step <= 0 || math.IsNaN(step) {
		step = 1
	}
	top = step * math.Ceil(top*1.12/step)
	if math.IsInf(top, 0) || math.IsNaN(top) || top/step > 50 {
		// Values near the float64 limit: nothing sensible to draw.
		text(img, plot.Min.X, plot.Min.Y+16, colorText, "values out of range")
		return
	}
	yOf := func(v float64) int {
		// Clamped, so a negative value cannot draw into the next panel.
		return min(max(plot.Max.Y-int(math.Round(v/top*float64(plot.Dy()))), plot.Min.Y), plot.Max.Y)
	}
	for v := 0.0; v <= top+step/2; v += step {
		y := yOf(v)
		fill(img, image.Rect(plot.Min.X, y, plot.Max.X, y+1), colorGrid)
		label := axisLabel(v)
		text(img, plot.Min.X-6-width(label), y+4, colorAxis, label)
	}
	fill(img, image.Rect(plot.Min.X, plot.Min.Y, plot.Min.X+1, plot.Max.Y+1), colorAxis)
	fill(img, image.Rect(plot.Min.X, plot.Max.Y, plot.Max.X, plot.Max.Y+1), colorAxis)

	slot := plot.Dx() / max(1, len(p.clusters))
	for ci, c := range p.clusters {
		cx := plot.Min.X + ci*slot
		barW := min(48, (slot-16)/max(1, len(c.bars)))
		used := barW * len(c.bars)
		bx := cx + (slot-used)/2
		for _, b := range c.bars {
			col, ok := kindColors[b.Kind]
			if !ok {
				col = color.RGBA{150, 150, 150, 255}
			}
			if !math.IsNaN(b.Median) {
				fill(img, image.Rect(bx+2, yOf(b.Median), bx+barW-2, plot.Max.Y), col)
				// Whisker: a vertical line from min to max with caps.
				mid := bx + barW/2
				lo, hi := yOf(b.Min), yOf(b.Max)
				fill(img, image.Rect(mid, hi, mid+1, lo+1), colorWhisker)
				fill(img, image.Rect(mid-4, hi, mid+5, hi+1), colorWhisker)
				fill(img, image.Rect(mid-4, lo, mid+5, lo+1), colorWhisker)
				label := num(b.Median)
				text(img, mid-width(label)/2, hi-3, colorText, label)
			}
			bx += barW
		}
		if c.label != "" {
			l := clip(c.label, slot-4)
			text(img, cx+(slot-width(l))/2, plot.Max.Y+16, colorText, l)
		}
	}
	if len(p.clusters) == 1 && p.clusters[0].label == "" {
		// One figure: name the bars by kind instead.
		c := p.clusters[0]
		barW := min(48, (slot-16)/max(1, len(c.bars)))
		bx := plot.Min.X + (slot-barW*len(c.bars))/2
		for _, b := range c.bars {
			text(img, bx+barW/2-width(b.Kind)/2, plot.Max.Y+16, colorText, b.Kind)
			bx += barW
		}
	}
	// Ratio line under the plot, when both kinds are there.
	for _, c := range p.clusters {
		if len(c.bars) > 0 && c.bars[0].SamsaOverKafka != nil && len(p.clusters) == 1 {
			s := fmt.Sprintf("Samsa/Kafka = %.2f", *c.bars[0].SamsaOverKafka)
			text(img, plot.Min.X, plot.Max.Y+32, colorAxis, s)
		}
	}
}

// axisLabel prints a grid value without float noise (0.30000000000000004)
// or exponents (1.5e+06).
func axisLabel(v float64) string {
	if math.Abs(v) >= 1e6 {
		return strconv.FormatFloat(v, 'f', 0, 64)
	}
	return strconv.FormatFloat(v, 'g', 6, 64)
}

// niceStep rounds a raw grid step up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 || math.IsNaN(raw) || math.IsInf(raw, 0) {
		return 0
	}
	p := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*p >= raw {
			return m * p
		}
	}
	return 10 * p
}

func fill(img *image.RGBA, r image.Rectangle, c color.Color) {
	draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src)
}

func text(img *image.RGBA, x, y int, c color.Color, s string) {
	d := font.Drawer{Dst: img, Src: image.NewUniform(c), Face: basicfont.Face7x13, Dot: fixed.P(x, y)}
	d.DrawString(s)
}

func width(s string) int {
	return font.MeasureString(basicfont.Face7x13, s).Round()
}

// clip shortens s to fit px pixels, marking the cut with "..".
func clip(s string, px int) string {
	if width(s) <= px {
		return s
	}
	r := []rune(s)
	for len(r) > 0 && width(string(r)+"..") > px {
		r = r[:len(r)-1]
	}
	return string(r) + ".."
}
