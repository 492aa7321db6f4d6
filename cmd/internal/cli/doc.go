// Package cli parses command lines the way Kafka 2.4's tools do (they use
// joptsimple 5.0.4 through kafka.utils.CommandDefaultOptions) and prints
// their errors and usage tables byte for byte.
//
// Accepted forms, as joptsimple accepts them:
//
//	--topic test    --topic=test    -topic test    -topic=test
//
// A token starting with one dash is first looked up as a whole name (which is
// why the tutorial's `-topic test` works); only if that fails is it read as a
// cluster of one-letter options, so `-tpoic` reports "t is not a recognized
// option". A required argument takes the next token whatever it looks like;
// an optional one takes it only if it does not look like an option. Options
// may repeat (--config a=1 --config b=2). Abbreviations of long names are
// accepted only when Parser.AllowAbbreviations is set: Kafka 2.4's
// CommandDefaultOptions turns them off for every tool, so the tools here
// leave it off too.
//
// Errors come in the two shapes Kafka produces:
//
//   - *OptionError: a joptsimple.OptionException (unknown option, missing
//     argument, unparsable number, several values where one is expected);
//     tools either print it as an uncaught Java exception or pass it to Usage,
//     depending on what the Kafka tool does.
//   - *UsageError: CommandLineUtils.printUsageAndDie's message (missing
//     required argument, incompatible options); Usage prints it followed by
//     the help table.
package cli
