package main

// The functions istiod adds to sprig's for injection templates (pkg/kube/inject/template.go).
// Signatures match istiod's, since text/template checks argument types: a template that passes
// the wrong type fails here as it would in istiod. Failures istiod only logs (marshalling
// errors) yield the same fallback values ("{}", "").

import (
	"encoding/json"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"text/template"

	"github.com/Masterminds/sprig"
	"sigs.k8s.io/yaml"
)

const proxyContainerName = "istio-proxy"

func injectionFuncMap() template.FuncMap {
	return template.FuncMap{
		"formatDuration":      formatDuration,
		"isset":               isset,
		"excludeInboundPort":  excludeInboundPort,
		"includeInboundPorts": includeInboundPorts,
		"kubevirtInterfaces":  passThroughInterfaces,
		"excludeInterfaces":   passThroughInterfaces,
		"applicationPorts":    applicationPorts,
		"annotation":          annotationOrDefault,
		"valueOrDefault":      valueOrDefault,
		"toJSON":              stringMapToJSON,
		"fromJSON":            fromJSON,
		"structToJSON":        structToJSON,
		"protoToJSON":         protoToJSON,
		"toYaml":              toYaml,
		"indent":              indentAfterFirstLine,
		"directory":           directory,
		"contains":            flippedContains,
		"toLower":             strings.ToLower,
		"appendMultusNetwork": appendMultusNetwork,
		"env":                 envOrDefault,
		"omit":                omitKeys,
		"strdict":             strdict,
		"toJsonMap":           toJSONMap,
		"mergeMaps":           mergeStringMaps,
		"omitNil":             omitNil,
	}
}

// parseInjectionTemplate registers sprig first so that istiod's functions shadow sprig's
// (contains, indent, toYaml...). No Option is set: istiod runs with missingkey=default, so a
// missing map key prints "<no value>" and only dereferencing through it is an error.
func parseInjectionTemplate(text string) (*template.Template, error) {
	return template.New("inject").Funcs(sprig.TxtFuncMap()).Funcs(injectionFuncMap()).Parse(text)
}

func envOrDefault(key string, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func formatDuration(in *Duration) string { return in.AsDuration().String() }

func isset(m map[string]string, key string) bool {
	_, ok := m[key]
	return ok
}

func directory(filepath string) string {
	dir, _ := path.Split(filepath)
	return dir
}

// flippedContains takes the needle first so it reads well in a pipeline.
func flippedContains(needle, haystack string) bool { return strings.Contains(haystack, needle) }

// excludeInboundPort appends port to a comma-separated list unless the list already names it
// exactly (entries are compared before trimming, then trimmed and de-blanked when rebuilt).
func excludeInboundPort(port any, excluded string) string {
	portStr := strings.TrimSpace(fmt.Sprint(port))
	if portStr == "" || portStr == "0" {
		return excluded
	}
	parts := strings.Split(excluded, ",")
	kept := make([]string, 0, len(parts))
	for _, p := range parts {
		if p == portStr {
			return excluded
		}
		if p = strings.TrimSpace(p); p != "" {
			kept = append(kept, p)
		}
	}
	return strings.Join(append(kept, portStr), ",")
}

func valueOrDefault(value any, defaultValue any) any {
	if value == "" || value == nil {
		return defaultValue
	}
	return value
}

func stringMapToJSON(m map[string]string) string {
	if m == nil {
		return "{}"
	}
	b, err := json.Marshal(m)
	if err != nil {
		return "{}"
	}
	return string(b)
}

func fromJSON(j string) any {
	var m any
	if err := json.Unmarshal([]byte(j), &m); err != nil {
		return "{}"
	}
	return m
}

// indentAfterFirstLine pads every line but the first, unlike sprig's indent. istiod pads
// with a %*s verb, so a negative width pads by its magnitude too.
func indentAfterFirstLine(spaces int, source string) string {
	lines := strings.Split(source, "\n")
	if spaces < 0 {
		spaces = -spaces
	}
	pad := strings.Repeat(" ", spaces)
	for i := 1; i < len(lines); i++ {
		lines[i] = pad + lines[i]
	}
	return strings.Join(lines, "\n")
}

func toYaml(value any) string {
	y, err := yaml.Marshal(value)
	if err != nil {
		return ""
	}
	return string(y)
}

// annotationOrDefault returns the pod annotation, or the default printed with fmt.Sprint when
// the key is absent. An annotation present with an empty value is returned as "".
func annotationOrDefault(meta ObjectMeta, name string, defaultValue any) string {
	if v, ok := meta.Annotations[name]; ok {
		return v
	}
	return fmt.Sprint(defaultValue)
}

// appendMultusNetwork adds the Istio CNI network to a k8s.v1.cni.cncf.io/networks value,
// which is either a JSON list of {name, namespace} objects or a comma-separated list.
func appendMultusNetwork(existingValue, istioCniNetwork string) string {
	if existingValue == "" {
		return istioCniNetwork
	}
	if i := strings.LastIndex(existingValue, "]"); i != -1 {
		var networks []map[string]any
		if err := json.Unmarshal([]byte(existingValue), &networks); err != nil {
			return existingValue
		}
		ns, name := "", istioCniNetwork
		if j := strings.Index(istioCniNetwork, "/"); j >= 0 {
			ns, name = istioCniNetwork[:j], istioCniNetwork[j+1:]
		}
		for _, n := range networks {
			if n["name"] == name {
				existingNs := n["namespace"]
				if existingNs == nil {
					existingNs = ""
				}
				if existingNs == ns {
					return existingValue
				}
			}
		}
		entry := fmt.Sprintf(`, {"name": "%s"}`, name)
		if ns != "" {
			entry = fmt.Sprintf(`, {"name": "%s", "namespace": "%s"}`, name, ns)
		}
		return existingValue[:i] + entry + existingValue[i:]
	}
	for _, n := range strings.Split(existingValue, ",") {
		if strings.TrimSpace(n) == istioCniNetwork {
			return existingValue
		}
	}
	return existingValue + ", " + istioCniNetwork
}

func applicationPorts(containers []Container) string {
	return containerPorts(containers, func(c Container) bool { return c.Name != proxyContainerName })
}

func includeInboundPorts(containers []Container) string {
	return containerPorts(containers, func(Container) bool { return true })
}

// containerPorts lists TCP container ports; UDP and SCTP ports are never captured.
func containerPorts(containers []Container, include func(Container) bool) string {
	parts := []string{}
	for _, c := range containers {
		if !include(c) {
			continue
		}
		for _, p := range c.Ports {
			if p.Protocol == "UDP" || p.Protocol == "SCTP" {
				continue
			}
			parts = append(parts, strconv.Itoa(int(p.ContainerPort)))
		}
	}
	return strings.Join(parts, ",")
}

func passThroughInterfaces(s string) string { return s }

func structToJSON(v any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// protoToJSON prints a proto message as jsonpb; a ProxyConfig first loses its default fields.
func protoToJSON(v protoMessage) string {
	if pc, ok := v.(*ProxyConfig); ok && pc != nil {
		v = cleanProxyConfig(pc)
	}
	if v == nil {
		return "{}"
	}
	s, err := protoJSON(v)
	if err != nil {
		return "{}"
	}
	return s
}

func mergeStringMaps(maps ...map[string]string) map[string]string {
	if len(maps) == 0 {
		return nil
	}
	out := make(map[string]string, len(maps[0]))
	for _, m := range maps {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

func toJSONMap(maps ...map[string]string) string {
	b, err := json.Marshal(mergeStringMaps(maps...))
	if err != nil {
		return ""
	}
	return string(b)
}

func omitKeys(dict map[string]string, keys ...string) map[string]string {
	skip := make(map[string]bool, len(keys))
	for _, k := range keys {
		skip[k] = true
	}
	out := map[string]string{}
	for k, v := range dict {
		if !skip[k] {
			out[k] = v
		}
	}
	return out
}

// strdict is sprig's dict with string values; a trailing key without a value maps to "".
func strdict(kv ...string) map[string]string {
	out := map[string]string{}
	for i := 0; i < len(kv); i += 2 {
		if i+1 >= len(kv) {
			out[kv[i]] = ""
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

// omitNil drops nil values from nested maps and lists, and collapses containers left empty.
func omitNil(v any) any {
	out, _ := omitNilInner(v)
	return out
}

func omitNilInner(v any) (any, bool) {
	if v == nil {
		return nil, true
	}
	switch t := v.(type) {
	case map[string]any:
		changed := false
		for _, e := range t {
			if _, c := omitNilInner(e); c {
				changed = true
				break
			}
		}
		if !changed {
			return t, false
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			if f := omitNil(e); f != nil {
				out[k] = f
			}
		}
		if len(out) == 0 {
			return nil, true
		}
		return out, true
	case []any:
		changed := false
		for _, e := range t {
			if _, c := omitNilInner(e); c {
				changed = true
				break
			}
		}
		if !changed {
			return t, false
		}
		out := make([]any, 0, len(t))
		for _, e := range t {
			if f := omitNil(e); f != nil {
				out = append(out, f)
			}
		}
		if len(out) == 0 {
			return nil, true
		}
		return out, true
	}
	return v, false
}
