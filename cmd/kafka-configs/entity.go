package main

import (
	"net/url"
	"strings"
)

// entity is ConfigCommand.Entity: a type and an optional sanitized name.
type entity struct {
	typ     string
	name    string
	hasName bool
}

func (e entity) path() string {
	if e.hasName {
		return e.typ + "/" + e.name
	}
	return e.typ
}

// String is Entity.toString: "topic 'test'", "brokers '1'", "default
// brokers", "user-principal 'alice'".
func (e entity) String() string {
	typeName := e.typ
	switch e.typ {
	case typeUsers:
		typeName = "user-principal"
	case typeClients:
		typeName = "client-id"
	case typeTopics:
		typeName = "topic"
	}
	switch {
	case !e.hasName:
		return e.typ
	case e.name == defaultEntity:
		return "default " + typeName
	}
	n := e.name
	if e.typ == typeUsers || e.typ == typeClients {
		n = desanitize(n)
	}
	return typeName + " '" + n + "'"
}

// configEntity is ConfigCommand.ConfigEntity: a root and an optional child
// (users/<u>/clients/<c>).
type configEntity struct {
	root  entity
	child *entity
}

// fullName is fullSanitizedName: the znode name below /config/<root type>.
func (c configEntity) fullName() string {
	n := c.root.name
	if c.child != nil {
		n += "/" + c.child.path()
	}
	return n
}

func (c configEntity) String() string {
	s := c.root.String()
	if c.child != nil {
		s += ", " + c.child.String()
	}
	return s
}

// sanitize is org.apache.kafka.common.utils.Sanitizer.sanitize: Java's
// URLEncoder, then '*' as %2A and '+' (a space) as %20.
func sanitize(name string) string {
	enc := url.QueryEscape(name)
	// Go escapes '*' already (as %2A) and leaves '~', which Java escapes.
	return strings.NewReplacer("+", "%20", "~", "%7E").Replace(enc)
}

// desanitize is Sanitizer.desanitize (URLDecoder).
func desanitize(name string) string {
	d, err := url.QueryUnescape(name)
	if err != nil {
		return name
	}
	return d
}

// entityNames is ConfigCommand.entityNames: for each --entity-name or
// --entity-default on the command line, in order, the name ("" for the
// default).
func (c *command) entityNames() []string {
	names := c.o.s.Values(c.o.entityName)
	var out []string
	for i := 0; i < len(c.args); i++ {
		a := c.args[i]
		if !strings.HasPrefix(a, "-") {
			continue
		}
		opt, _, hasVal := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch opt {
		case "entity-name":
			if len(names) > 0 {
				out = append(out, names[0])
				names = names[1:]
			}
			if !hasVal {
				i++
			}
		case "entity-default":
			out = append(out, "")
		default:
			if o, ok := c.optionTakesArg(opt); ok && o && !hasVal {
				i++
			}
		}
	}
	return out
}

// optionTakesArg reports whether a known option takes an argument.
func (c *command) optionTakesArg(name string) (takes, known bool) {
	switch name {
	case "zookeeper", "bootstrap-server", "command-config", "entity-type", "entity-name", "add-config", "delete-config":
		return true, true
	case "alter", "describe", "entity-default", "force", "help", "version":
		return false, true
	}
	return false, false
}

// parseEntity is ConfigCommand.parseEntity.
func (c *command) parseEntity() (configEntity, error) {
	types := c.o.entityTypes()
	if types[0] == typeUsers || types[0] == typeClients {
		return c.parseQuotaEntity()
	}
	e := entity{typ: types[0]}
	if c.o.has(c.o.entityName) {
		n, err := c.o.s.String(c.o.entityName)
		if err != nil {
			return configEntity{}, err
		}
		e.name, e.hasName = n, true
	} else if types[0] == typeBrokers && c.o.has(c.o.entityDefault) {
		e.name, e.hasName = defaultEntity, true
	}
	return configEntity{root: e}, nil
}

// parseQuotaEntity is ConfigCommand.parseQuotaEntity.
func (c *command) parseQuotaEntity() (configEntity, error) {
	types := c.o.entityTypes()
	names := c.entityNames()
	if c.o.has(c.o.alter) && len(names) != len(types) {
		return configEntity{}, illegalArgument("--entity-name or --entity-default must be specified with each --entity-type for --alter")
	}
	reverse := len(types) == 2 && types[0] == typeClients
	if reverse {
		types = []string{types[1], types[0]}
		if len(names) == 2 {
			names = []string{names[1], names[0]}
		}
	}
	var ents []entity
	for i, t := range types {
		e := entity{typ: t}
		if i < len(names) {
			e.hasName = true
			if names[i] == "" {
				e.name = defaultEntity
			} else {
				e.name = sanitize(names[i])
			}
		}
		ents = append(ents, e)
	}
	ce := configEntity{root: ents[0]}
	if len(ents) > 1 {
		ce.child = &ents[1]
	}
	return ce, nil
}
