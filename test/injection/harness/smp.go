package main

// Strategic merge patch as k8s.io/apimachinery/pkg/util/strategicpatch applies it for
// istiod's applyOverlayYAML (StrategicMergeMapPatchUsingLookupPatchMeta with
// MergeParallelList and IgnoreUnmatchedNulls). List semantics come from the patchStrategy /
// patchMergeKey tags of the mirror types in k8s.go, looked up by JSON field name.
//
// Supported directives: `$patch: replace|delete` on maps and in lists, `$retainKeys`,
// `$deleteFromPrimitiveList/<field>`. `$setElementOrder/<field>` is accepted and ignored
// (istiod's own templates never emit it).

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
)

const (
	directiveMarker   = "$patch"
	retainKeysMarker  = "$retainKeys"
	deleteFromPrefix  = "$deleteFromPrimitiveList/"
	setElementOrderPx = "$setElementOrder/"
)

type fieldMeta struct {
	typ       reflect.Type // nil: untyped (no further schema)
	strategy  string       // "merge", "replace" or ""
	mergeKey  string
	retainKey bool
}

var rawType = reflect.TypeOf(Raw{})

// lookupField finds the struct field serialized as key, descending into inline structs.
func lookupField(t reflect.Type, key string) (fieldMeta, error) {
	if t == nil {
		return fieldMeta{}, nil
	}
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Map:
		return fieldMeta{typ: t.Elem()}, nil
	case reflect.Struct:
	default:
		return fieldMeta{}, nil
	}
	if t == rawType {
		return fieldMeta{}, nil
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Anonymous && name == "" {
			if m, err := lookupField(f.Type, key); err == nil {
				return m, nil
			}
			continue
		}
		if name != key {
			continue
		}
		m := fieldMeta{typ: f.Type, mergeKey: f.Tag.Get("patchMergeKey")}
		for _, s := range strings.Split(f.Tag.Get("patchStrategy"), ",") {
			switch s {
			case "retainKeys":
				m.retainKey = true
			case "merge", "replace":
				m.strategy = s
			}
		}
		if f.Type == rawType {
			m.typ = nil
		}
		return m, nil
	}
	return fieldMeta{}, fmt.Errorf("unable to find api field in struct %s for the json field %q", t.Name(), key)
}

func elemType(t reflect.Type) reflect.Type {
	if t == nil {
		return nil
	}
	for t.Kind() == reflect.Ptr {
		t = t.Elem()
	}
	if t.Kind() == reflect.Slice || t.Kind() == reflect.Map {
		return t.Elem()
	}
	return nil
}

// strategicMerge merges patch into original (both decoded JSON objects) for the Go type t.
func strategicMerge(original, patch map[string]any, t reflect.Type) (map[string]any, error) {
	if d, ok := patch[directiveMarker]; ok {
		switch d {
		case "replace":
			out := map[string]any{}
			for k, v := range patch {
				if k != directiveMarker {
					out[k] = v
				}
			}
			return out, nil
		case "delete":
			return map[string]any{}, nil
		default:
			return nil, fmt.Errorf("invalid patch type %v in %v", d, patch)
		}
	}
	if original == nil {
		original = map[string]any{}
	}
	if rk, ok := patch[retainKeysMarker]; ok {
		list, isList := rk.([]any)
		if !isList {
			return nil, fmt.Errorf("invalid patch: %s must be a list", retainKeysMarker)
		}
		keep := map[string]bool{}
		for _, k := range list {
			if s, ok := k.(string); ok {
				keep[s] = true
			}
		}
		for k := range original {
			if !keep[k] {
				delete(original, k)
			}
		}
	}
	keys := make([]string, 0, len(patch))
	for k := range patch {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		pv := patch[k]
		if k == retainKeysMarker || strings.HasPrefix(k, setElementOrderPx) {
			continue
		}
		if strings.HasPrefix(k, deleteFromPrefix) {
			field := strings.TrimPrefix(k, deleteFromPrefix)
			ol, isList := original[field].([]any)
			dl, isDel := pv.([]any)
			if isList && isDel {
				original[field] = deleteFromSlice(ol, dl)
			}
			continue
		}
		if pv == nil {
			delete(original, k)
			continue
		}
		ov, exists := original[k]
		if !exists || reflect.TypeOf(ov) != reflect.TypeOf(pv) {
			discardNulls(pv)
			original[k] = pv
			continue
		}
		switch o := ov.(type) {
		case map[string]any:
			meta, err := lookupField(t, k)
			if err != nil {
				return nil, err
			}
			if meta.strategy == "replace" {
				original[k] = pv
				continue
			}
			merged, err := strategicMerge(o, pv.(map[string]any), meta.typ)
			if err != nil {
				return nil, err
			}
			original[k] = merged
		case []any:
			meta, err := lookupField(t, k)
			if err != nil {
				return nil, err
			}
			if meta.strategy != "merge" {
				original[k] = pv
				continue
			}
			merged, err := mergeSlice(o, pv.([]any), elemType(meta.typ), meta.mergeKey)
			if err != nil {
				return nil, err
			}
			original[k] = merged
		default:
			original[k] = pv
		}
	}
	return original, nil
}

func discardNulls(v any) {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			if e == nil {
				delete(t, k)
			} else {
				discardNulls(e)
			}
		}
	case []any:
		for _, e := range t {
			discardNulls(e)
		}
	}
}

func deleteFromSlice(list, toDelete []any) []any {
	out := []any{}
	for _, v := range list {
		del := false
		for _, d := range toDelete {
			if reflect.DeepEqual(v, d) {
				del = true
			}
		}
		if !del {
			out = append(out, v)
		}
	}
	return out
}

// mergeSlice merges lists with the merge strategy: scalars are unioned, maps are matched by
// mergeKey and merged. The result puts items named in the patch in patch order, interleaved
// with the items only the original has, which keep their relative order (normalizeElementOrder).
func mergeSlice(original, patch []any, elem reflect.Type, mergeKey string) ([]any, error) {
	if len(original) == 0 && len(patch) == 0 {
		return original, nil
	}
	isMap, err := sliceOfMaps(original, patch)
	if err != nil {
		return nil, err
	}
	var merged []any
	if !isMap {
		merged = dedupScalars(append(append([]any{}, original...), patch...))
	} else {
		if mergeKey == "" {
			return nil, fmt.Errorf("cannot merge lists without merge key")
		}
		original, patch, err = applyListDirectives(original, patch, mergeKey)
		if err != nil {
			return nil, err
		}
		merged = append([]any{}, original...)
		for _, pv := range patch {
			pm := pv.(map[string]any)
			key, ok := pm[mergeKey]
			if !ok {
				return nil, fmt.Errorf("map: %v does not contain declared merge key: %s", pm, mergeKey)
			}
			found := false
			for i, ov := range merged {
				om, ok := ov.(map[string]any)
				if ok && reflect.DeepEqual(om[mergeKey], key) {
					m, err := strategicMerge(om, pm, elem)
					if err != nil {
						return nil, err
					}
					merged[i] = m
					found = true
					break
				}
			}
			if !found {
				merged = append(merged, pv)
			}
		}
	}
	index := func(list []any, item any) int {
		for i, l := range list {
			if isMap {
				lm, _ := l.(map[string]any)
				im, _ := item.(map[string]any)
				if lm != nil && im != nil && reflect.DeepEqual(lm[mergeKey], im[mergeKey]) {
					return i
				}
			} else if reflect.DeepEqual(l, item) {
				return i
			}
		}
		return -1
	}
	if isMap {
		for _, list := range [][]any{merged, patch} {
			for _, item := range list {
				if m, ok := item.(map[string]any); !ok || m[mergeKey] == nil {
					return nil, fmt.Errorf("map: %v does not contain declared merge key: %s", item, mergeKey)
				}
			}
		}
	}
	var patchItems, serverOnly []any
	for _, item := range merged {
		if index(patch, item) >= 0 {
			patchItems = append(patchItems, item)
		} else {
			serverOnly = append(serverOnly, item)
		}
	}
	sort.SliceStable(patchItems, func(i, j int) bool { return index(patch, patchItems[i]) < index(patch, patchItems[j]) })
	sort.SliceStable(serverOnly, func(i, j int) bool { return index(original, serverOnly[i]) < index(original, serverOnly[j]) })
	// Interleave: an original-only item goes first only when both it and the next patch item
	// appear in the original and it came earlier there.
	out := make([]any, 0, len(merged))
	i, j := 0, 0
	for i < len(serverOnly) || j < len(patchItems) {
		switch {
		case i >= len(serverOnly):
			out = append(out, patchItems[j])
			j++
		case j >= len(patchItems):
			out = append(out, serverOnly[i])
			i++
		default:
			li, ri := index(original, serverOnly[i]), index(original, patchItems[j])
			if li >= 0 && ri >= 0 && li < ri {
				out = append(out, serverOnly[i])
				i++
			} else {
				out = append(out, patchItems[j])
				j++
			}
		}
	}
	return out, nil
}

func sliceOfMaps(lists ...[]any) (bool, error) {
	seen, isMap := false, false
	for _, l := range lists {
		for _, v := range l {
			_, m := v.(map[string]any)
			if _, isList := v.([]any); isList {
				return false, fmt.Errorf("lists of lists are not supported")
			}
			if seen && m != isMap {
				return false, fmt.Errorf("list elements are not all of the same kind")
			}
			seen, isMap = true, m
		}
	}
	return isMap, nil
}

func dedupScalars(list []any) []any {
	out := []any{}
	for _, v := range list {
		dup := false
		for _, o := range out {
			if reflect.DeepEqual(o, v) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, v)
		}
	}
	return out
}

// applyListDirectives handles `$patch` items in a patch list: delete removes the matching
// original items, replace makes the patch list (minus directives) the whole result.
func applyListDirectives(original, patch []any, mergeKey string) ([]any, []any, error) {
	plain := []any{}
	replace := false
	for _, v := range patch {
		m := v.(map[string]any)
		d, ok := m[directiveMarker]
		if !ok {
			plain = append(plain, v)
			continue
		}
		switch d {
		case "delete":
			key, ok := m[mergeKey]
			if !ok {
				return nil, nil, fmt.Errorf("map: %v does not contain declared merge key: %s", m, mergeKey)
			}
			kept := []any{}
			for _, o := range original {
				if om, ok := o.(map[string]any); ok && reflect.DeepEqual(om[mergeKey], key) {
					continue
				}
				kept = append(kept, o)
			}
			original = kept
		case "replace":
			replace = true
		case "merge":
			return nil, nil, fmt.Errorf("merging lists cannot yet be specified in the patch")
		default:
			return nil, nil, fmt.Errorf("invalid patch type %v in %v", d, m)
		}
	}
	if replace {
		return plain, nil, nil
	}
	return original, plain, nil
}
