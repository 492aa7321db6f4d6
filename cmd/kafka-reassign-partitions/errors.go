package main

// kafkaException is the Java exception Kafka's tool throws in the same
// situation: its class and getMessage().
type kafkaException struct {
	class, msg string
	err        error
}

func (e *kafkaException) Error() string { return e.msg }
func (e *kafkaException) Unwrap() error { return e.err }

// JavaString is the exception's toString(), the first line of its stack trace.
func (e *kafkaException) JavaString() string { return e.class + ": " + e.msg }

func adminCommandFailed(msg string) error {
	return &kafkaException{class: "kafka.common.AdminCommandFailedException", msg: msg}
}

func adminOperation(msg string) error {
	return &kafkaException{class: "kafka.admin.AdminOperationException", msg: msg}
}

func jsonMapping(msg string) error {
	return &kafkaException{class: "com.fasterxml.jackson.databind.JsonMappingException", msg: msg}
}
