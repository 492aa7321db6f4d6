package cli

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Version is what --version prints: Kafka 2.4.1's
// AppInfoParser version and commit id, since the tools claim to be 2.4.1.
const Version = "2.4.1 (Commit:c57222ae8cd7866b)"

// Parser holds the accepted options of one tool.
type Parser struct {
	// AllowAbbreviations accepts unique prefixes of long names (joptsimple's
	// OptionParser(true)). Kafka 2.4's tools construct their parser with false.
	AllowAbbreviations bool

	options []*Option
	byName  map[string]*Option

	// Help and Version are the options every Kafka tool gets from
	// CommandDefaultOptions.
	Help, Version *Option
}

// NewParser returns a parser that already accepts --help and --version.
func NewParser() *Parser {
	p := &Parser{byName: map[string]*Option{}}
	p.Help = p.Accepts("help", "Print usage information.").ForHelp()
	p.Version = p.Accepts("version", "Display Kafka version.").ForHelp()
	return p
}

// Accepts registers an option; chain WithRequiredArg etc. on the result.
// Registering a name twice is a programming error and panics.
func (p *Parser) Accepts(name, description string) *Option {
	if _, dup := p.byName[name]; dup {
		panic(fmt.Sprintf("cli: option %q registered twice", name))
	}
	o := &Option{name: name, description: description, typeName: "String"}
	p.options = append(p.options, o)
	p.byName[name] = o
	return o
}

// lookup finds an option by full name, or by unique prefix when abbreviations
// are allowed (joptsimple's AbbreviationMap: an exact name always wins).
func (p *Parser) lookup(name string) (*Option, bool) {
	if o, ok := p.byName[name]; ok {
		return o, true
	}
	if !p.AllowAbbreviations || name == "" {
		return nil, false
	}
	var found *Option
	for _, o := range p.options {
		if strings.HasPrefix(o.name, name) {
			if found != nil {
				return nil, false
			}
			found = o
		}
	}
	return found, found != nil
}

// Set is the result of a parse (joptsimple's OptionSet).
type Set struct {
	args       []string
	values     map[*Option][]string
	seen       map[*Option]bool
	NonOptions []string
}

// Args returns the raw command line the set was parsed from.
func (s *Set) Args() []string { return s.args }

// Has reports whether the option appeared on the command line.
func (s *Set) Has(o *Option) bool { return s.seen[o] }

// Values returns every argument given to the option, in order, or its
// defaults when it did not appear.
func (s *Set) Values(o *Option) []string {
	if v := s.values[o]; len(v) > 0 {
		return v
	}
	if s.seen[o] {
		return nil
	}
	return o.defaults
}

// Value returns the option's single argument, its default when absent, or ""
// with ok false when it has neither (joptsimple's valueOf returning null).
// Several arguments are an error, as in joptsimple.
func (s *Set) Value(o *Option) (v string, ok bool, err error) {
	vs := s.Values(o)
	switch len(vs) {
	case 0:
		return "", false, nil
	case 1:
		return vs[0], true, nil
	default:
		return "", false, multipleArguments(o)
	}
}

// String is Value without the ok flag; "" when absent.
func (s *Set) String(o *Option) (string, error) {
	v, _, err := s.Value(o)
	return v, err
}

// Int converts the option's value as java.lang.Integer.valueOf would.
func (s *Set) Int(o *Option) (int32, bool, error) {
	v, ok, err := s.Value(o)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, perr := strconv.ParseInt(v, 10, 32)
	if perr != nil {
		return 0, true, conversionFailed(o, v)
	}
	return int32(n), true, nil
}

// Long converts the option's value as java.lang.Long.valueOf would.
func (s *Set) Long(o *Option) (int64, bool, error) {
	v, ok, err := s.Value(o)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, perr := strconv.ParseInt(v, 10, 64)
	if perr != nil {
		return 0, true, conversionFailed(o, v)
	}
	return n, true, nil
}

// Parse reads args with joptsimple's rules (see the package doc). The
// returned error is always an *OptionError.
func (p *Parser) Parse(args []string) (*Set, error) {
	s := &Set{args: args, values: map[*Option][]string{}, seen: map[*Option]bool{}}
	noMore := false
	for i := 0; i < len(args); i++ {
		tok := args[i]
		switch {
		case noMore:
			s.NonOptions = append(s.NonOptions, tok)
			continue
		case tok == "--":
			noMore = true
			continue
		case strings.HasPrefix(tok, "--"):
			name, val, hasVal := strings.Cut(tok[2:], "=")
			o, ok := p.lookup(name)
			if !ok {
				return nil, unrecognized(name)
			}
			n, err := p.handle(s, o, val, hasVal, args[i+1:])
			if err != nil {
				return nil, err
			}
			i += n
		case strings.HasPrefix(tok, "-") && tok != "-":
			name, val, hasVal := strings.Cut(tok[1:], "=")
			if o, ok := p.lookup(name); ok {
				n, err := p.handle(s, o, val, hasVal, args[i+1:])
				if err != nil {
					return nil, err
				}
				i += n
				continue
			}
			n, err := p.handleCluster(s, tok[1:], args[i+1:])
			if err != nil {
				return nil, err
			}
			i += n
		default:
			s.NonOptions = append(s.NonOptions, tok)
		}
	}
	return s, nil
}

// handle records one occurrence of o; it returns how many following tokens
// it consumed.
func (p *Parser) handle(s *Set, o *Option, val string, hasVal bool, rest []string) (int, error) {
	s.seen[o] = true
	if o.arg == NoArg {
		return 0, nil // joptsimple ignores "=value" on a flag
	}
	if hasVal && val != "" {
		s.values[o] = append(s.values[o], val)
		return 0, nil
	}
	if len(rest) == 0 {
		if o.arg == RequiredArg {
			return 0, missingArgument(o)
		}
		return 0, nil
	}
	if o.arg == OptionalArg && looksLikeOption(rest[0]) {
		return 0, nil
	}
	s.values[o] = append(s.values[o], rest[0])
	return 1, nil
}

// handleCluster treats "-abc" as one-letter options a, b, c. No Kafka tool
// defines one-letter options, so in practice this yields joptsimple's
// "<first letter> is not a recognized option".
func (p *Parser) handleCluster(s *Set, cluster string, rest []string) (int, error) {
	for i, r := range cluster {
		o, ok := p.byName[string(r)]
		if !ok {
			return 0, unrecognized(string(r))
		}
		if o.acceptsArg() {
			if tail := cluster[i+len(string(r)):]; tail != "" {
				return p.handle(s, o, tail, true, rest)
			}
			return p.handle(s, o, "", false, rest)
		}
		s.seen[o] = true
	}
	return 0, nil
}

func looksLikeOption(tok string) bool {
	return strings.HasPrefix(tok, "-") && tok != "-" && tok != "--"
}

// CheckRequired is CommandLineUtils.checkRequiredArgs.
func CheckRequired(s *Set, required ...*Option) error {
	for _, o := range required {
		if !s.Has(o) {
			return Usagef("Missing required argument \"%s\"", o)
		}
	}
	return nil
}

// CheckInvalid is CommandLineUtils.checkInvalidArgs: when used is present,
// none of invalid may be. Kafka iterates a Scala Set, whose order for more
// than four elements is a hash order; we report the first offender in the
// order given.
func CheckInvalid(s *Set, used *Option, invalid ...*Option) error {
	if !s.Has(used) {
		return nil
	}
	for _, o := range invalid {
		if o != used && s.Has(o) {
			return Usagef("Option \"%s\" can't be used with option \"%s\"", used, o)
		}
	}
	return nil
}

// sorted returns the options in help-table order (by name, Java String order).
func (p *Parser) sorted() []*Option {
	out := append([]*Option(nil), p.options...)
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}
