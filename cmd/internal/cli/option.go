package cli

// ArgKind says whether an option takes an argument, as joptsimple's
// accepts(...), withRequiredArg() and withOptionalArg() do.
type ArgKind int

const (
	// NoArg is a flag: present or not.
	NoArg ArgKind = iota
	// RequiredArg always consumes the next token (even one starting with a dash).
	RequiredArg
	// OptionalArg consumes the next token only if it does not look like an option.
	OptionalArg
)

// Option is one accepted option. Build it with Parser.Accepts and the chained
// setters, which mirror joptsimple's builder so a Kafka option definition
// translates line by line.
type Option struct {
	name        string
	description string
	arg         ArgKind
	argDesc     string   // describedAs
	typeName    string   // ofType, as the help table shows it: "String", "Integer", "Long"
	defaults    []string // defaultsTo
	forHelp     bool
	hidden      bool
}

// Name is the option's long name, without dashes.
func (o *Option) Name() string { return o.name }

// String renders the option the way joptsimple's OptionSpec.toString does,
// which is what Kafka's "Missing required argument" messages embed: [topic].
func (o *Option) String() string { return "[" + o.name + "]" }

// WithRequiredArg makes the option take a mandatory argument.
func (o *Option) WithRequiredArg() *Option { o.arg = RequiredArg; return o }

// WithOptionalArg makes the option take an optional argument.
func (o *Option) WithOptionalArg() *Option { o.arg = OptionalArg; return o }

// DescribedAs sets the argument's description shown in the help table.
func (o *Option) DescribedAs(d string) *Option { o.argDesc = d; return o }

// OfType sets the Java type name the help table shows ("Integer", "Long").
// Values are still read as strings; Set.Int and Set.Long convert them.
func (o *Option) OfType(t string) *Option { o.typeName = t; return o }

// DefaultsTo sets the value returned when the option is absent.
func (o *Option) DefaultsTo(v ...string) *Option { o.defaults = v; return o }

// Hidden keeps the option out of the help table: for options Samsa accepts
// beyond the Kafka version it mimics, so the table stays Kafka's.
func (o *Option) Hidden() *Option { o.hidden = true; return o }

// ForHelp marks an option whose presence asks for help or version output.
func (o *Option) ForHelp() *Option { o.forHelp = true; return o }

func (o *Option) acceptsArg() bool { return o.arg != NoArg }
