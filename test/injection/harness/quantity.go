package main

// Kubernetes resource quantities and int-or-string values. istiod never sees the text a user
// wrote for a quantity: the pod passes through corev1 types, so "2000m" leaves as "2" and
// "1024Mi" as "1Gi". The canonical form below follows k8s.io/apimachinery's resource.Quantity:
// the value is rounded up to nano precision, a binary suffix is kept when the value is a whole
// number of at least 1024 (otherwise the decimal form is used), and a decimal value is printed
// with the largest SI (or exponent) suffix that keeps the mantissa whole.

import (
	"encoding/json"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

type quantityFormat int

const (
	decimalSI quantityFormat = iota
	binarySI
	decimalExponent
)

// Quantity keeps the exact value as unscaled * 10^scale and the notation family it was written in.
type Quantity struct {
	unscaled *big.Int
	scale    int
	format   quantityFormat
}

var binarySuffixes = map[string]int{"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
var decimalSuffixes = map[string]int{"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}

// ParseQuantity accepts the same grammar as Kubernetes: sign, digits with an optional
// fraction, then a binary suffix, a decimal SI suffix or an e/E exponent.
func ParseQuantity(s string) (Quantity, error) {
	str := strings.TrimSpace(s)
	if str == "" {
		return Quantity{}, fmt.Errorf("quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': %q", s)
	}
	neg := false
	rest := str
	if rest[0] == '+' || rest[0] == '-' {
		neg = rest[0] == '-'
		rest = rest[1:]
	}
	i := 0
	for i < len(rest) && (rest[i] >= '0' && rest[i] <= '9') {
		i++
	}
	whole := rest[:i]
	frac := ""
	if i < len(rest) && rest[i] == '.' {
		j := i + 1
		for j < len(rest) && (rest[j] >= '0' && rest[j] <= '9') {
			j++
		}
		frac = rest[i+1 : j]
		i = j
	}
	if whole == "" && frac == "" {
		return Quantity{}, fmt.Errorf("invalid quantity %q", s)
	}
	suffix := rest[i:]
	format := decimalSI
	exp10 := 0
	exp2 := 0
	if e, ok := binarySuffixes[suffix]; ok {
		format = binarySI
		exp2 = e
	} else if e, ok := decimalSuffixes[suffix]; ok {
		exp10 = e
	} else if len(suffix) > 1 && (suffix[0] == 'e' || suffix[0] == 'E') {
		e, err := strconv.Atoi(suffix[1:])
		if err != nil {
			return Quantity{}, fmt.Errorf("invalid quantity suffix in %q", s)
		}
		format = decimalExponent
		exp10 = e
	} else {
		return Quantity{}, fmt.Errorf("invalid quantity suffix in %q", s)
	}
	digits := whole + frac
	unscaled, ok := new(big.Int).SetString(digits, 10)
	if !ok {
		return Quantity{}, fmt.Errorf("invalid quantity %q", s)
	}
	scale := exp10 - len(frac)
	if exp2 > 0 {
		unscaled.Mul(unscaled, new(big.Int).Lsh(big.NewInt(1), uint(exp2)))
	}
	// Kubernetes rounds away from zero to nano precision so that a tiny request never becomes zero.
	if scale < -9 {
		div := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-9-scale)), nil)
		q, r := new(big.Int).QuoRem(unscaled, div, new(big.Int))
		if r.Sign() != 0 {
			q.Add(q, big.NewInt(1))
		}
		unscaled, scale = q, -9
	}
	// Like Kubernetes, cap the magnitude at the largest int64.
	max := new(big.Rat).SetInt64(1<<63 - 1)
	if (Quantity{unscaled: unscaled, scale: scale}).rat().Cmp(max) > 0 {
		unscaled, scale = big.NewInt(1<<63-1), 0
	}
	if neg {
		unscaled.Neg(unscaled)
	}
	out := Quantity{unscaled: unscaled, scale: scale, format: format}
	if format == binarySI && out.lessThanOneInMagnitude() && unscaled.Sign() != 0 {
		out.format = decimalSI
	}
	return out, nil
}

func (q Quantity) isZero() bool { return q.unscaled == nil || q.unscaled.Sign() == 0 }

func (q Quantity) rat() *big.Rat {
	if q.unscaled == nil {
		return new(big.Rat)
	}
	r := new(big.Rat).SetInt(q.unscaled)
	if q.scale > 0 {
		r.Mul(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(q.scale)), nil)))
	} else if q.scale < 0 {
		r.Quo(r, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-q.scale)), nil)))
	}
	return r
}

func (q Quantity) lessThanOneInMagnitude() bool {
	r := q.rat()
	return new(big.Rat).Abs(r).Cmp(big.NewRat(1, 1)) < 0
}

// Canonical renders the quantity the way resource.Quantity.String does.
func (q Quantity) Canonical() string {
	if q.isZero() {
		return "0"
	}
	format := q.format
	r := q.rat()
	if format == binarySI {
		if new(big.Rat).Abs(r).Cmp(big.NewRat(1024, 1)) < 0 || !r.IsInt() {
			format = decimalSI
		}
	}
	if format == binarySI {
		n := new(big.Int).Set(r.Num())
		neg := n.Sign() < 0
		n.Abs(n)
		exp := 0
		k := big.NewInt(1024)
		for exp < 60 {
			qt, rm := new(big.Int).QuoRem(n, k, new(big.Int))
			if rm.Sign() != 0 {
				break
			}
			n = qt
			exp += 10
		}
		suffix := ""
		for s, e := range binarySuffixes {
			if e == exp {
				suffix = s
			}
		}
		if neg {
			return "-" + n.String() + suffix
		}
		return n.String() + suffix
	}
	mant := new(big.Int).Set(q.unscaled)
	exp := q.scale
	ten := big.NewInt(10)
	for {
		qt, rm := new(big.Int).QuoRem(mant, ten, new(big.Int))
		if rm.Sign() != 0 || mant.Sign() == 0 {
			break
		}
		mant = qt
		exp++
	}
	for ((exp%3)+3)%3 != 0 {
		mant.Mul(mant, ten)
		exp--
	}
	if format == decimalExponent {
		if exp == 0 {
			return mant.String()
		}
		return mant.String() + "e" + strconv.Itoa(exp)
	}
	for s, e := range decimalSuffixes {
		if e == exp {
			return mant.String() + s
		}
	}
	return mant.String() + "e" + strconv.Itoa(exp)
}

// String has a pointer receiver like resource.Quantity's, so templates print the same way.
func (q *Quantity) String() string { return q.Canonical() }

func (q Quantity) MarshalJSON() ([]byte, error) { return json.Marshal(q.Canonical()) }

func (q *Quantity) UnmarshalJSON(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "null" {
		*q = Quantity{}
		return nil
	}
	if strings.HasPrefix(s, `"`) {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	parsed, err := ParseQuantity(s)
	if err != nil {
		return err
	}
	*q = parsed
	return nil
}

// IntOrString mirrors k8s.io/apimachinery/pkg/util/intstr.IntOrString.
type IntOrString struct {
	Type   int
	IntVal int32
	StrVal string
}

func (v *IntOrString) String() string {
	if v.Type == 1 {
		return v.StrVal
	}
	return strconv.Itoa(int(v.IntVal))
}

func (v IntOrString) MarshalJSON() ([]byte, error) {
	if v.Type == 1 {
		return json.Marshal(v.StrVal)
	}
	return json.Marshal(v.IntVal)
}

func (v *IntOrString) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		v.Type = 1
		return json.Unmarshal(b, &v.StrVal)
	}
	v.Type = 0
	return json.Unmarshal(b, &v.IntVal)
}
