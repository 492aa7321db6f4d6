package cli

import "fmt"

// OptionError is a joptsimple.OptionException: Class is the Java class name
// (e.g. "joptsimple.UnrecognizedOptionException") and Msg its getMessage().
type OptionError struct {
	Class string
	Msg   string
	// Causes are the "Caused by: " lines the JVM prints after the trace.
	Causes []string
}

func (e *OptionError) Error() string { return e.Msg }

// JavaString is the exception's toString(), the text after
// `Exception in thread "main" ` when a Kafka tool lets it escape main.
func (e *OptionError) JavaString() string { return e.Class + ": " + e.Msg }

func unrecognized(name string) *OptionError {
	return &OptionError{Class: "joptsimple.UnrecognizedOptionException", Msg: name + " is not a recognized option"}
}

func missingArgument(o *Option) *OptionError {
	return &OptionError{Class: "joptsimple.OptionMissingRequiredArgumentException", Msg: "Option " + o.name + " requires an argument"}
}

func multipleArguments(o *Option) *OptionError {
	return &OptionError{Class: "joptsimple.MultipleArgumentsForOptionException",
		Msg: "Found multiple arguments for option " + o.name + ", but you asked for only one"}
}

func conversionFailed(o *Option, arg string) *OptionError {
	nfe := fmt.Sprintf("java.lang.NumberFormatException: For input string: \"%s\"", arg)
	return &OptionError{Class: "joptsimple.OptionArgumentConversionException",
		Msg:    fmt.Sprintf("Cannot parse argument '%s' of option %s", arg, o.name),
		Causes: []string{"joptsimple.internal.ReflectionException: " + nfe, nfe}}
}

// UsageError is a message that Kafka's CommandLineUtils.printUsageAndDie
// prints before the help table (exit code 1).
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef builds a UsageError.
func Usagef(format string, args ...any) *UsageError {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}
