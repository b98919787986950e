package testkit

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// EMFMetric is one metric an Embedded Metric Format line publishes: its
// namespace, name, unit, one dimension set and the values of that set's
// dimensions in the line.
type EMFMetric struct {
	Namespace  string
	Name       string
	Unit       string
	Dimensions []string
	Values     map[string]string
	Value      float64
}

// emfUnits are the units CloudWatch accepts (MetricDatum.Unit).
var emfUnits = []string{"Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes",
	"Terabytes", "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
	"Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second", "Kilobits/Second",
	"Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None"}

// ParseEMF reads line as CloudWatch Logs would extract metrics from it
// (the Embedded Metric Format specification,
// https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html):
// a JSON object whose _aws member has an integer Timestamp (epoch
// milliseconds) and a non-empty CloudWatchMetrics list; each directive
// names a namespace, dimension sets (at most 30 dimensions each) whose
// members are strings of the line, and metrics (at most 100) whose members
// are numbers of the line, with a CloudWatch unit. It returns one entry per
// metric and dimension set, or the first rule the line breaks: a line
// CloudWatch would silently not extract fails here.
func ParseEMF(line []byte) ([]EMFMetric, error) {
	var root map[string]json.RawMessage
	if err := json.Unmarshal(line, &root); err != nil {
		return nil, fmt.Errorf("not a JSON object: %w", err)
	}
	raw, ok := root["_aws"]
	if !ok {
		return nil, errors.New("no _aws member")
	}
	var aws struct {
		Timestamp         json.RawMessage `json:"Timestamp"`
		CloudWatchMetrics []struct {
			Namespace  string     `json:"Namespace"`
			Dimensions [][]string `json:"Dimensions"`
			Metrics    []struct {
				Name string `json:"Name"`
				Unit string `json:"Unit"`
			} `json:"Metrics"`
		} `json:"CloudWatchMetrics"`
	}
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&aws); err != nil {
		return nil, fmt.Errorf("_aws: %w", err)
	}
	if aws.Timestamp == nil {
		return nil, errors.New("_aws.Timestamp missing")
	}
	if ms, err := strconv.ParseInt(string(aws.Timestamp), 10, 64); err != nil || ms <= 0 {
		return nil, fmt.Errorf("_aws.Timestamp %s is not epoch milliseconds", aws.Timestamp)
	}
	if len(aws.CloudWatchMetrics) == 0 {
		return nil, errors.New("_aws.CloudWatchMetrics is empty")
	}
	str := func(name string) (string, error) {
		var s string
		v, ok := root[name]
		if !ok {
			return "", fmt.Errorf("dimension %q is not a member of the line", name)
		}
		if err := json.Unmarshal(v, &s); err != nil {
			return "", fmt.Errorf("dimension %q is not a string: %s", name, v)
		}
		return s, nil
	}
	var out []EMFMetric
	for _, d := range aws.CloudWatchMetrics {
		if d.Namespace == "" || len(d.Namespace) > 255 {
			return nil, fmt.Errorf("namespace %q", d.Namespace)
		}
		if d.Dimensions == nil {
			return nil, fmt.Errorf("namespace %s: Dimensions missing (an empty set is [[]])", d.Namespace)
		}
		if len(d.Metrics) == 0 || len(d.Metrics) > 100 {
			return nil, fmt.Errorf("namespace %s: %d metrics", d.Namespace, len(d.Metrics))
		}
		for _, set := range d.Dimensions {
			if len(set) > 30 {
				return nil, fmt.Errorf("a dimension set of %d", len(set))
			}
			values := map[string]string{}
			for _, name := range set {
				v, err := str(name)
				if err != nil {
					return nil, err
				}
				values[name] = v
			}
			for _, m := range d.Metrics {
				if !slices.Contains(emfUnits, m.Unit) {
					return nil, fmt.Errorf("metric %s: unit %q", m.Name, m.Unit)
				}
				v, ok := root[m.Name]
				if !ok {
					return nil, fmt.Errorf("metric %q is not a member of the line", m.Name)
				}
				var f float64
				if err := json.Unmarshal(v, &f); err != nil || math.IsNaN(f) {
					return nil, fmt.Errorf("metric %q is not a number: %s", m.Name, v)
				}
				out = append(out, EMFMetric{Namespace: d.Namespace, Name: m.Name, Unit: m.Unit,
					Dimensions: slices.Clone(set), Values: values, Value: f})
			}
		}
	}
	return out, nil
}

// RequestLines returns the request lines (msg "request") among logs' JSON
// lines, in order.
func RequestLines(logs string) [][]byte {
	var out [][]byte
	for _, l := range strings.Split(logs, "\n") {
		var m struct {
			Msg string `json:"msg"`
		}
		if json.Unmarshal([]byte(l), &m) == nil && m.Msg == "request" {
			out = append(out, []byte(l))
		}
	}
	return out
}
