package main

// Reflection-driven protobuf behaviour for the mirror messages in protos.go: reading YAML/JSON
// the way protomarshal.ApplyYAML does (jsonpb: camelCase or proto field names, a present field
// replaces the current value, unknown fields are dropped), printing like protomarshal.ToJSON
// (declaration order, proto3 zero values omitted, enums by name, durations as "1.5s",
// 64-bit integers quoted), and proto.Merge / proto.Equal / proto.Clone.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"sigs.k8s.io/yaml"
)

var (
	typeDuration    = reflect.TypeOf(&Duration{})
	typeOpaque      = reflect.TypeOf(Opaque{})
	typeOpaqueList  = reflect.TypeOf(OpaqueList{})
	typeProtoEnum   = reflect.TypeOf((*protoEnum)(nil)).Elem()
	wrapperTypes    = map[reflect.Type]bool{reflect.TypeOf(&BoolValue{}): true, reflect.TypeOf(&Int32Value{}): true, reflect.TypeOf(&UInt32Value{}): true, reflect.TypeOf(&DoubleValue{}): true, reflect.TypeOf(&StringValue{}): true}
	typeClusterName = reflect.TypeOf((*isProxyConfig_ClusterName)(nil)).Elem()
)

// oneofMember describes one alternative of a oneof field.
type oneofMember struct {
	jsonName, protoName string
	wrapper             reflect.Type // pointer to the single-field wrapper struct
}

func oneofMembers(t reflect.Type) []oneofMember {
	if t == typeClusterName {
		return []oneofMember{
			{"serviceCluster", "service_cluster", reflect.TypeOf(&ProxyConfig_ServiceCluster{})},
			{"tracingServiceName", "tracing_service_name", reflect.TypeOf(&ProxyConfig_TracingServiceName_{})},
		}
	}
	return nil
}

// lowerCamel is protoc's json_name derivation: drop underscores, upper-case the next letter.
func lowerCamel(s string) string {
	var b strings.Builder
	up := false
	for _, r := range s {
		if r == '_' {
			up = true
			continue
		}
		if up {
			b.WriteRune(unicode.ToUpper(r))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func protoNames(f reflect.StructField) (jsonName, protoName string, ok bool) {
	tag := f.Tag.Get("json")
	if tag == "" || tag == "-" {
		return "", "", false
	}
	name := strings.Split(tag, ",")[0]
	return lowerCamel(name), name, true
}

// yamlObject converts YAML text to a JSON object the way sigs.k8s.io/yaml does.
func yamlObject(text string) (map[string]any, error) {
	j, err := yaml.YAMLToJSON([]byte(text))
	if err != nil {
		return nil, err
	}
	obj := map[string]any{}
	if string(bytes.TrimSpace(j)) == "null" {
		return obj, nil
	}
	if err := json.Unmarshal(j, &obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// decodeProtoInto applies obj onto the message struct msg with jsonpb semantics.
func decodeProtoInto(msg reflect.Value, obj map[string]any, path string) error {
	t := msg.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Tag.Get("protobuf_oneof") != "" {
			for _, m := range oneofMembers(f.Type) {
				raw, present := obj[m.jsonName]
				if !present {
					raw, present = obj[m.protoName]
				}
				if !present || raw == nil {
					continue
				}
				w := reflect.New(m.wrapper.Elem())
				v, err := decodeProtoValue(w.Elem().Field(0).Type(), raw, path+"."+m.jsonName)
				if err != nil {
					return err
				}
				w.Elem().Field(0).Set(v)
				msg.Field(i).Set(w)
			}
			continue
		}
		jn, pn, ok := protoNames(f)
		if !ok {
			continue
		}
		raw, present := obj[jn]
		if !present {
			raw, present = obj[pn]
		}
		if !present || raw == nil {
			continue
		}
		v, err := decodeProtoValue(f.Type, raw, path+"."+jn)
		if err != nil {
			return err
		}
		msg.Field(i).Set(v)
	}
	return nil
}

func decodeProtoValue(t reflect.Type, raw any, path string) (reflect.Value, error) {
	bad := func() (reflect.Value, error) {
		return reflect.Value{}, fmt.Errorf("%s: cannot decode %v as %s", strings.TrimPrefix(path, "."), raw, t)
	}
	switch {
	case t == typeDuration:
		s, ok := raw.(string)
		if !ok {
			return bad()
		}
		d, err := parseProtoDuration(s)
		if err != nil {
			return reflect.Value{}, fmt.Errorf("%s: %v", strings.TrimPrefix(path, "."), err)
		}
		return reflect.ValueOf(d), nil
	case wrapperTypes[t]:
		w := reflect.New(t.Elem())
		v, err := decodeProtoValue(t.Elem().Field(0).Type, raw, path)
		if err != nil {
			return reflect.Value{}, err
		}
		w.Elem().Field(0).Set(v)
		return w, nil
	case t == typeOpaque:
		m, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		return reflect.ValueOf(deepCopyJSON(m).(map[string]any)), nil
	case t == typeOpaqueList:
		l, ok := raw.([]any)
		if !ok {
			return bad()
		}
		return reflect.ValueOf(deepCopyJSON(l).([]any)), nil
	case t.Kind() == reflect.Ptr && t.Elem().Kind() == reflect.Struct:
		m, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		v := reflect.New(t.Elem())
		return v, decodeProtoInto(v.Elem(), m, path)
	case t.Kind() == reflect.Map:
		m, ok := raw.(map[string]any)
		if !ok {
			return bad()
		}
		out := reflect.MakeMapWithSize(t, len(m))
		for k, e := range m {
			if e == nil {
				continue
			}
			v, err := decodeProtoValue(t.Elem(), e, path+"."+k)
			if err != nil {
				return reflect.Value{}, err
			}
			out.SetMapIndex(reflect.ValueOf(k), v)
		}
		return out, nil
	case t.Kind() == reflect.Slice:
		l, ok := raw.([]any)
		if !ok {
			return bad()
		}
		out := reflect.MakeSlice(t, 0, len(l))
		for i, e := range l {
			v, err := decodeProtoValue(t.Elem(), e, fmt.Sprintf("%s[%d]", path, i))
			if err != nil {
				return reflect.Value{}, err
			}
			out = reflect.Append(out, v)
		}
		return out, nil
	case t.Implements(typeProtoEnum):
		values := reflect.Zero(t).Interface().(protoEnum).enumValues()
		switch r := raw.(type) {
		case string:
			n, ok := values[r]
			if !ok {
				return reflect.Value{}, fmt.Errorf("%s: invalid value %q for enum %s", strings.TrimPrefix(path, "."), r, t.Name())
			}
			return reflect.ValueOf(n).Convert(t), nil
		case float64:
			if r != math.Trunc(r) {
				return bad()
			}
			return reflect.ValueOf(int32(r)).Convert(t), nil
		}
		return bad()
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := raw.(string)
		if !ok {
			return bad()
		}
		return reflect.ValueOf(s).Convert(t), nil
	case reflect.Bool:
		b, ok := raw.(bool)
		if !ok {
			return bad()
		}
		return reflect.ValueOf(b).Convert(t), nil
	case reflect.Int32, reflect.Int64, reflect.Uint32, reflect.Uint64:
		var f float64
		switch r := raw.(type) {
		case float64:
			f = r
		case string:
			p, err := strconv.ParseFloat(r, 64)
			if err != nil {
				return bad()
			}
			f = p
		default:
			return bad()
		}
		if f != math.Trunc(f) {
			return bad()
		}
		v := reflect.New(t).Elem()
		switch t.Kind() {
		case reflect.Int32, reflect.Int64:
			if v.OverflowInt(int64(f)) {
				return bad()
			}
			v.SetInt(int64(f))
		default:
			if f < 0 || v.OverflowUint(uint64(f)) {
				return bad()
			}
			v.SetUint(uint64(f))
		}
		return v, nil
	case reflect.Float32, reflect.Float64:
		switch r := raw.(type) {
		case float64:
			return reflect.ValueOf(r).Convert(t), nil
		case string:
			p, err := strconv.ParseFloat(r, 64)
			if err != nil {
				return bad()
			}
			return reflect.ValueOf(p).Convert(t), nil
		}
	}
	return bad()
}

// parseProtoDuration reads the JSON form of google.protobuf.Duration ("1.5s").
func parseProtoDuration(s string) (*Duration, error) {
	if !strings.HasSuffix(s, "s") {
		return nil, fmt.Errorf("invalid google.protobuf.Duration value %q", s)
	}
	body := strings.TrimSuffix(s, "s")
	neg := strings.HasPrefix(body, "-")
	body = strings.TrimPrefix(body, "-")
	whole, frac := body, ""
	if i := strings.IndexByte(body, '.'); i >= 0 {
		whole, frac = body[:i], body[i+1:]
	}
	if whole == "" || len(frac) > 9 {
		return nil, fmt.Errorf("invalid google.protobuf.Duration value %q", s)
	}
	secs, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("invalid google.protobuf.Duration value %q", s)
	}
	nanos := int64(0)
	if frac != "" {
		n, err := strconv.ParseInt((frac + "000000000")[:9], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("invalid google.protobuf.Duration value %q", s)
		}
		nanos = n
	}
	if neg {
		secs, nanos = -secs, -nanos
	}
	return &Duration{Seconds: secs, Nanos: int32(nanos)}, nil
}

func formatProtoDuration(d *Duration) string {
	secs, nanos := d.Seconds, int64(d.Nanos)
	sign := ""
	if secs < 0 || nanos < 0 {
		sign, secs, nanos = "-", -secs, -nanos
	}
	if nanos == 0 {
		return fmt.Sprintf("%s%ds", sign, secs)
	}
	x := fmt.Sprintf("%d.%09d", secs, nanos)
	x = strings.TrimSuffix(x, "000")
	x = strings.TrimSuffix(x, "000")
	return sign + x + "s"
}

// ---- printing --------------------------------------------------------------------------------

// protoJSON prints a message like protomarshal.ToJSON (compact jsonpb).
func protoJSON(msg any) (string, error) {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || (v.Kind() == reflect.Ptr && v.IsNil()) {
		return "{}", nil
	}
	var b bytes.Buffer
	if err := encodeProtoValue(&b, v); err != nil {
		return "", err
	}
	return b.String(), nil
}

func encodeProtoMessage(b *bytes.Buffer, msg reflect.Value) error {
	t := msg.Type()
	b.WriteByte('{')
	first := true
	key := func(name string) {
		if !first {
			b.WriteByte(',')
		}
		first = false
		k, _ := json.Marshal(name)
		b.Write(k)
		b.WriteByte(':')
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		fv := msg.Field(i)
		if f.Tag.Get("protobuf_oneof") != "" {
			if fv.IsNil() {
				continue
			}
			w := fv.Elem()
			for _, m := range oneofMembers(f.Type) {
				if w.Type() == m.wrapper {
					// A oneof member is present even at its zero value.
					key(m.jsonName)
					if err := encodeProtoValue(b, w.Elem().Field(0)); err != nil {
						return err
					}
				}
			}
			continue
		}
		jn, _, ok := protoNames(f)
		if !ok || protoFieldUnset(fv) {
			continue
		}
		key(jn)
		if err := encodeProtoValue(b, fv); err != nil {
			return err
		}
	}
	b.WriteByte('}')
	return nil
}

// protoFieldUnset applies proto3 presence: scalars at zero, nil messages, empty lists and maps.
func protoFieldUnset(v reflect.Value) bool {
	switch {
	case v.Type() == typeOpaque:
		return v.IsNil()
	case v.Kind() == reflect.Ptr || v.Kind() == reflect.Interface:
		return v.IsNil()
	case v.Kind() == reflect.Map || v.Kind() == reflect.Slice:
		return v.Len() == 0
	}
	return v.IsZero()
}

func encodeProtoValue(b *bytes.Buffer, v reflect.Value) error {
	t := v.Type()
	switch {
	case t == typeDuration:
		s, _ := json.Marshal(formatProtoDuration(v.Interface().(*Duration)))
		b.Write(s)
		return nil
	case wrapperTypes[t]:
		return encodeProtoValue(b, v.Elem().Field(0))
	case t == typeOpaque || t == typeOpaqueList:
		s, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		b.Write(s)
		return nil
	case t.Kind() == reflect.Ptr && t.Elem().Kind() == reflect.Struct:
		return encodeProtoMessage(b, v.Elem())
	case t.Kind() == reflect.Struct:
		return encodeProtoMessage(b, v)
	case t.Kind() == reflect.Map:
		keys := make([]string, 0, v.Len())
		for _, k := range v.MapKeys() {
			keys = append(keys, k.String())
		}
		sort.Strings(keys)
		b.WriteByte('{')
		for i, k := range keys {
			if i > 0 {
				b.WriteByte(',')
			}
			ks, _ := json.Marshal(k)
			b.Write(ks)
			b.WriteByte(':')
			if err := encodeProtoValue(b, v.MapIndex(reflect.ValueOf(k))); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case t.Kind() == reflect.Slice:
		b.WriteByte('[')
		for i := 0; i < v.Len(); i++ {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := encodeProtoValue(b, v.Index(i)); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case t.Implements(typeProtoEnum):
		n := int32(v.Int())
		for name, value := range v.Interface().(protoEnum).enumValues() {
			if value == n {
				fmt.Fprintf(b, "%q", name)
				return nil
			}
		}
		// A number without a declared name prints as the number.
		b.WriteString(strconv.Itoa(int(n)))
		return nil
	}
	switch t.Kind() {
	case reflect.String, reflect.Bool, reflect.Int32, reflect.Uint32:
		s, err := json.Marshal(v.Interface())
		if err != nil {
			return err
		}
		b.Write(s)
	case reflect.Int64:
		fmt.Fprintf(b, "%q", strconv.FormatInt(v.Int(), 10))
	case reflect.Uint64:
		fmt.Fprintf(b, "%q", strconv.FormatUint(v.Uint(), 10))
	case reflect.Float32, reflect.Float64:
		f := v.Float()
		switch {
		case math.IsNaN(f):
			b.WriteString(`"NaN"`)
		case math.IsInf(f, 1):
			b.WriteString(`"Infinity"`)
		case math.IsInf(f, -1):
			b.WriteString(`"-Infinity"`)
		default:
			s, err := json.Marshal(v.Interface())
			if err != nil {
				return err
			}
			b.Write(s)
		}
	default:
		return fmt.Errorf("cannot print %s as protobuf JSON", t)
	}
	return nil
}

// ---- merge, equality, copies -----------------------------------------------------------------

// protoMerge is proto.Merge: set scalars overwrite, messages merge recursively, repeated
// fields append, map entries overwrite, and a set oneof replaces the destination's.
func protoMerge(dst, src reflect.Value) {
	for i := 0; i < dst.NumField(); i++ {
		df, sf := dst.Field(i), src.Field(i)
		switch {
		case dst.Type().Field(i).Tag.Get("protobuf_oneof") != "":
			if !sf.IsNil() {
				df.Set(deepCopy(sf))
			}
		case sf.Type() == typeOpaque:
			if sf.IsNil() {
				continue
			}
			if df.IsNil() {
				df.Set(deepCopy(sf))
			} else {
				mergeOpaque(df.Interface().(Opaque), sf.Interface().(Opaque))
			}
		case sf.Kind() == reflect.Slice:
			if sf.Len() > 0 {
				df.Set(reflect.AppendSlice(deepCopy(df), deepCopy(sf)))
			}
		case sf.Kind() == reflect.Map:
			if sf.Len() == 0 {
				continue
			}
			if df.IsNil() {
				df.Set(reflect.MakeMap(df.Type()))
			}
			for _, k := range sf.MapKeys() {
				df.SetMapIndex(k, deepCopy(sf.MapIndex(k)))
			}
		case sf.Kind() == reflect.Ptr:
			if sf.IsNil() {
				continue
			}
			if df.IsNil() {
				df.Set(deepCopy(sf))
			} else {
				protoMerge(df.Elem(), sf.Elem())
			}
		default:
			if !sf.IsZero() {
				df.Set(sf)
			}
		}
	}
}

func mergeOpaque(dst, src map[string]any) {
	for k, sv := range src {
		dm, dIsMap := dst[k].(map[string]any)
		sm, sIsMap := sv.(map[string]any)
		dl, dIsList := dst[k].([]any)
		sl, sIsList := sv.([]any)
		switch {
		case dIsMap && sIsMap:
			mergeOpaque(dm, sm)
		case dIsList && sIsList:
			dst[k] = append(append([]any{}, dl...), deepCopyJSON(sl).([]any)...)
		default:
			dst[k] = deepCopyJSON(sv)
		}
	}
}

// protoEqual is proto.Equal for the mirror messages: unset and empty repeated/map fields are
// equal, but a nil message differs from a present empty one.
func protoEqual(a, b reflect.Value) bool {
	switch {
	case a.Type() == typeOpaque:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return reflect.DeepEqual(a.Interface(), b.Interface())
	case a.Kind() == reflect.Ptr || a.Kind() == reflect.Interface:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		if a.Elem().Type() != b.Elem().Type() {
			return false
		}
		return protoEqual(a.Elem(), b.Elem())
	case a.Kind() == reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !protoEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case a.Kind() == reflect.Map || a.Kind() == reflect.Slice:
		if a.Len() == 0 && b.Len() == 0 {
			return true
		}
		return reflect.DeepEqual(a.Interface(), b.Interface())
	}
	return a.Interface() == b.Interface()
}

func deepCopy(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Ptr:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		out := reflect.New(v.Type().Elem())
		out.Elem().Set(deepCopy(v.Elem()))
		return out
	case reflect.Interface:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		out := reflect.New(v.Type()).Elem()
		out.Set(deepCopy(v.Elem()))
		return out
	case reflect.Struct:
		out := reflect.New(v.Type()).Elem()
		for i := 0; i < v.NumField(); i++ {
			if out.Field(i).CanSet() {
				out.Field(i).Set(deepCopy(v.Field(i)))
			}
		}
		return out
	case reflect.Map:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			out.SetMapIndex(k, deepCopy(v.MapIndex(k)))
		}
		return out
	case reflect.Slice:
		if v.IsNil() {
			return reflect.Zero(v.Type())
		}
		out := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := 0; i < v.Len(); i++ {
			out.Index(i).Set(deepCopy(v.Index(i)))
		}
		return out
	}
	return v
}

func deepCopyJSON(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = deepCopyJSON(e)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = deepCopyJSON(e)
		}
		return out
	}
	return v
}

func cloneProxyConfig(p *ProxyConfig) *ProxyConfig {
	if p == nil {
		return nil
	}
	return deepCopy(reflect.ValueOf(p)).Interface().(*ProxyConfig)
}
