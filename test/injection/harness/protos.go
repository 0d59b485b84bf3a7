package main

// Mirrors of istio.io/api/mesh/v1alpha1 ProxyConfig and MeshConfig as the Go code generated
// from the protos exposes them to templates: the same Go field names, snake_case JSON tags
// (what toYaml/structToJSON print), nil-safe Get* getters, enums with String(), and
// well-known wrapper types. Fields are declared in the .proto declaration order, because
// protoToJSON (jsonpb) prints them in that order. Sub-messages templates never read
// (tracing, readiness probe, header options, ...) are kept as untyped JSON.

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Opaque is a protobuf sub-message carried as decoded JSON.
type Opaque = map[string]any

// OpaqueList is a repeated protobuf message field carried as decoded JSON.
type OpaqueList = []any

type protoMessage interface{ isProtoMessage() }

// protoEnum lets the generic (de)serializer map enum names to numbers.
type protoEnum interface{ enumValues() map[string]int32 }

func enumName(values map[string]int32, v int32) string {
	for name, n := range values {
		if n == v {
			return name
		}
	}
	return strconv.Itoa(int(v))
}

// ---- well-known types ------------------------------------------------------------------------

type Duration struct {
	Seconds int64 `json:"seconds,omitempty"`
	Nanos   int32 `json:"nanos,omitempty"`
}

func (d *Duration) isProtoMessage() {}
func (d *Duration) GetSeconds() int64 {
	if d == nil {
		return 0
	}
	return d.Seconds
}
func (d *Duration) GetNanos() int32 {
	if d == nil {
		return 0
	}
	return d.Nanos
}
func (d *Duration) AsDuration() time.Duration {
	return time.Duration(d.GetSeconds())*time.Second + time.Duration(d.GetNanos())
}

type BoolValue struct {
	Value bool `json:"value,omitempty"`
}

func (w *BoolValue) isProtoMessage() {}
func (w *BoolValue) GetValue() bool {
	if w == nil {
		return false
	}
	return w.Value
}

type Int32Value struct {
	Value int32 `json:"value,omitempty"`
}

func (w *Int32Value) isProtoMessage() {}
func (w *Int32Value) GetValue() int32 {
	if w == nil {
		return 0
	}
	return w.Value
}

type UInt32Value struct {
	Value uint32 `json:"value,omitempty"`
}

func (w *UInt32Value) isProtoMessage() {}
func (w *UInt32Value) GetValue() uint32 {
	if w == nil {
		return 0
	}
	return w.Value
}

type DoubleValue struct {
	Value float64 `json:"value,omitempty"`
}

func (w *DoubleValue) isProtoMessage() {}
func (w *DoubleValue) GetValue() float64 {
	if w == nil {
		return 0
	}
	return w.Value
}

type StringValue struct {
	Value string `json:"value,omitempty"`
}

func (w *StringValue) isProtoMessage() {}
func (w *StringValue) GetValue() string {
	if w == nil {
		return ""
	}
	return w.Value
}

// ---- enums -----------------------------------------------------------------------------------

type AuthenticationPolicy int32

const (
	AuthenticationPolicy_NONE       AuthenticationPolicy = 0
	AuthenticationPolicy_MUTUAL_TLS AuthenticationPolicy = 1
	AuthenticationPolicy_INHERIT    AuthenticationPolicy = 1000
)

func (AuthenticationPolicy) enumValues() map[string]int32 {
	return map[string]int32{"NONE": 0, "MUTUAL_TLS": 1, "INHERIT": 1000}
}
func (e AuthenticationPolicy) String() string { return enumName(e.enumValues(), int32(e)) }

type ProxyConfig_InboundInterceptionMode int32

const (
	ProxyConfig_REDIRECT ProxyConfig_InboundInterceptionMode = 0
	ProxyConfig_TPROXY   ProxyConfig_InboundInterceptionMode = 1
	ProxyConfig_NONE     ProxyConfig_InboundInterceptionMode = 2
)

func (ProxyConfig_InboundInterceptionMode) enumValues() map[string]int32 {
	return map[string]int32{"REDIRECT": 0, "TPROXY": 1, "NONE": 2}
}
func (e ProxyConfig_InboundInterceptionMode) String() string {
	return enumName(e.enumValues(), int32(e))
}

type ProxyConfig_TracingServiceName int32

func (ProxyConfig_TracingServiceName) enumValues() map[string]int32 {
	return map[string]int32{"APP_LABEL_AND_NAMESPACE": 0, "CANONICAL_NAME_ONLY": 1, "CANONICAL_NAME_AND_NAMESPACE": 2}
}
func (e ProxyConfig_TracingServiceName) String() string { return enumName(e.enumValues(), int32(e)) }

type ForwardClientCertDetails int32

func (ForwardClientCertDetails) enumValues() map[string]int32 {
	return map[string]int32{"UNDEFINED": 0, "SANITIZE": 1, "FORWARD_ONLY": 2, "APPEND_FORWARD": 3, "SANITIZE_SET": 4, "ALWAYS_FORWARD_ONLY": 5}
}
func (e ForwardClientCertDetails) String() string { return enumName(e.enumValues(), int32(e)) }

type MeshConfig_IngressControllerMode int32

func (MeshConfig_IngressControllerMode) enumValues() map[string]int32 {
	return map[string]int32{"UNSPECIFIED": 0, "OFF": 1, "DEFAULT": 2, "STRICT": 3}
}
func (e MeshConfig_IngressControllerMode) String() string { return enumName(e.enumValues(), int32(e)) }

type MeshConfig_AccessLogEncoding int32

func (MeshConfig_AccessLogEncoding) enumValues() map[string]int32 {
	return map[string]int32{"TEXT": 0, "JSON": 1}
}
func (e MeshConfig_AccessLogEncoding) String() string { return enumName(e.enumValues(), int32(e)) }

type MeshConfig_H2UpgradePolicy int32

func (MeshConfig_H2UpgradePolicy) enumValues() map[string]int32 {
	return map[string]int32{"DO_NOT_UPGRADE": 0, "UPGRADE": 1}
}
func (e MeshConfig_H2UpgradePolicy) String() string { return enumName(e.enumValues(), int32(e)) }

type MeshConfig_OutboundTrafficPolicy_Mode int32

func (MeshConfig_OutboundTrafficPolicy_Mode) enumValues() map[string]int32 {
	return map[string]int32{"REGISTRY_ONLY": 0, "ALLOW_ANY": 1}
}
func (e MeshConfig_OutboundTrafficPolicy_Mode) String() string {
	return enumName(e.enumValues(), int32(e))
}

type MeshConfig_InboundTrafficPolicy_Mode int32

const (
	MeshConfig_InboundTrafficPolicy_PASSTHROUGH MeshConfig_InboundTrafficPolicy_Mode = 0
	MeshConfig_InboundTrafficPolicy_LOCALHOST   MeshConfig_InboundTrafficPolicy_Mode = 1
)

func (MeshConfig_InboundTrafficPolicy_Mode) enumValues() map[string]int32 {
	return map[string]int32{"PASSTHROUGH": 0, "LOCALHOST": 1}
}
func (e MeshConfig_InboundTrafficPolicy_Mode) String() string {
	return enumName(e.enumValues(), int32(e))
}

// ---- ProxyConfig -----------------------------------------------------------------------------

// isProxyConfig_ClusterName is the cluster_name oneof: service_cluster or tracing_service_name.
type isProxyConfig_ClusterName interface{ isProxyConfig_ClusterName() }

type ProxyConfig_ServiceCluster struct {
	ServiceCluster string
}

func (*ProxyConfig_ServiceCluster) isProxyConfig_ClusterName() {}

type ProxyConfig_TracingServiceName_ struct {
	TracingServiceName ProxyConfig_TracingServiceName
}

func (*ProxyConfig_TracingServiceName_) isProxyConfig_ClusterName() {}

type ProxyConfig struct {
	ConfigPath                      string                              `json:"config_path,omitempty"`
	BinaryPath                      string                              `json:"binary_path,omitempty"`
	ClusterName                     isProxyConfig_ClusterName           `protobuf_oneof:"cluster_name"`
	DrainDuration                   *Duration                           `json:"drain_duration,omitempty"`
	DiscoveryAddress                string                              `json:"discovery_address,omitempty"`
	DiscoveryRefreshDelay           *Duration                           `json:"discovery_refresh_delay,omitempty"`
	ZipkinAddress                   string                              `json:"zipkin_address,omitempty"`
	StatsdUdpAddress                string                              `json:"statsd_udp_address,omitempty"`
	EnvoyMetricsServiceAddress      string                              `json:"envoy_metrics_service_address,omitempty"`
	ProxyAdminPort                  int32                               `json:"proxy_admin_port,omitempty"`
	AvailabilityZone                string                              `json:"availability_zone,omitempty"`
	ControlPlaneAuthPolicy          AuthenticationPolicy                `json:"control_plane_auth_policy,omitempty"`
	CustomConfigFile                string                              `json:"custom_config_file,omitempty"`
	StatNameLength                  int32                               `json:"stat_name_length,omitempty"`
	Concurrency                     *Int32Value                         `json:"concurrency,omitempty"`
	ProxyBootstrapTemplatePath      string                              `json:"proxy_bootstrap_template_path,omitempty"`
	InterceptionMode                ProxyConfig_InboundInterceptionMode `json:"interception_mode,omitempty"`
	Tracing                         Opaque                              `json:"tracing,omitempty"`
	Sds                             Opaque                              `json:"sds,omitempty"`
	EnvoyAccessLogService           Opaque                              `json:"envoy_access_log_service,omitempty"`
	EnvoyMetricsService             Opaque                              `json:"envoy_metrics_service,omitempty"`
	ProxyMetadata                   map[string]string                   `json:"proxy_metadata,omitempty"`
	RuntimeValues                   map[string]string                   `json:"runtime_values,omitempty"`
	StatusPort                      int32                               `json:"status_port,omitempty"`
	ExtraStatTags                   []string                            `json:"extra_stat_tags,omitempty"`
	GatewayTopology                 *Topology                           `json:"gateway_topology,omitempty"`
	TerminationDrainDuration        *Duration                           `json:"termination_drain_duration,omitempty"`
	MeshId                          string                              `json:"mesh_id,omitempty"`
	ReadinessProbe                  Opaque                              `json:"readiness_probe,omitempty"`
	ProxyStatsMatcher               *ProxyConfig_ProxyStatsMatcher      `json:"proxy_stats_matcher,omitempty"`
	HoldApplicationUntilProxyStarts *BoolValue                          `json:"hold_application_until_proxy_starts,omitempty"`
	CaCertificatesPem               []string                            `json:"ca_certificates_pem,omitempty"`
	Image                           *ProxyImage                         `json:"image,omitempty"`
	PrivateKeyProvider              Opaque                              `json:"private_key_provider,omitempty"`
	ProxyHeaders                    Opaque                              `json:"proxy_headers,omitempty"`
	FileFlushInterval               *Duration                           `json:"file_flush_interval,omitempty"`
	FileFlushMinSizeKb              uint32                              `json:"file_flush_min_size_kb,omitempty"`
}

func (*ProxyConfig) isProtoMessage() {}

type Topology struct {
	NumTrustedProxies        uint32                   `json:"num_trusted_proxies,omitempty"`
	ForwardClientCertDetails ForwardClientCertDetails `json:"forward_client_cert_details,omitempty"`
	ProxyProtocol            Opaque                   `json:"proxy_protocol,omitempty"`
}

func (*Topology) isProtoMessage() {}
func (t *Topology) GetNumTrustedProxies() uint32 {
	if t == nil {
		return 0
	}
	return t.NumTrustedProxies
}
func (t *Topology) GetForwardClientCertDetails() ForwardClientCertDetails {
	if t == nil {
		return 0
	}
	return t.ForwardClientCertDetails
}

type ProxyConfig_ProxyStatsMatcher struct {
	InclusionPrefixes []string `json:"inclusion_prefixes,omitempty"`
	InclusionSuffixes []string `json:"inclusion_suffixes,omitempty"`
	InclusionRegexps  []string `json:"inclusion_regexps,omitempty"`
}

func (*ProxyConfig_ProxyStatsMatcher) isProtoMessage() {}
func (m *ProxyConfig_ProxyStatsMatcher) GetInclusionPrefixes() []string {
	if m == nil {
		return nil
	}
	return m.InclusionPrefixes
}
func (m *ProxyConfig_ProxyStatsMatcher) GetInclusionSuffixes() []string {
	if m == nil {
		return nil
	}
	return m.InclusionSuffixes
}
func (m *ProxyConfig_ProxyStatsMatcher) GetInclusionRegexps() []string {
	if m == nil {
		return nil
	}
	return m.InclusionRegexps
}

// ProxyImage mirrors istio.io/api/networking/v1beta1.ProxyImage.
type ProxyImage struct {
	ImageType string `json:"image_type,omitempty"`
}

func (*ProxyImage) isProtoMessage() {}
func (p *ProxyImage) GetImageType() string {
	if p == nil {
		return ""
	}
	return p.ImageType
}

func (p *ProxyConfig) GetConfigPath() string {
	if p == nil {
		return ""
	}
	return p.ConfigPath
}
func (p *ProxyConfig) GetBinaryPath() string {
	if p == nil {
		return ""
	}
	return p.BinaryPath
}
func (p *ProxyConfig) GetClusterName() isProxyConfig_ClusterName {
	if p == nil {
		return nil
	}
	return p.ClusterName
}
func (p *ProxyConfig) GetServiceCluster() string {
	if x, ok := p.GetClusterName().(*ProxyConfig_ServiceCluster); ok {
		return x.ServiceCluster
	}
	return ""
}
func (p *ProxyConfig) GetTracingServiceName() ProxyConfig_TracingServiceName {
	if x, ok := p.GetClusterName().(*ProxyConfig_TracingServiceName_); ok {
		return x.TracingServiceName
	}
	return 0
}
func (p *ProxyConfig) GetDrainDuration() *Duration {
	if p == nil {
		return nil
	}
	return p.DrainDuration
}
func (p *ProxyConfig) GetDiscoveryAddress() string {
	if p == nil {
		return ""
	}
	return p.DiscoveryAddress
}
func (p *ProxyConfig) GetStatsdUdpAddress() string {
	if p == nil {
		return ""
	}
	return p.StatsdUdpAddress
}
func (p *ProxyConfig) GetProxyAdminPort() int32 {
	if p == nil {
		return 0
	}
	return p.ProxyAdminPort
}
func (p *ProxyConfig) GetControlPlaneAuthPolicy() AuthenticationPolicy {
	if p == nil {
		return 0
	}
	return p.ControlPlaneAuthPolicy
}
func (p *ProxyConfig) GetCustomConfigFile() string {
	if p == nil {
		return ""
	}
	return p.CustomConfigFile
}
func (p *ProxyConfig) GetStatNameLength() int32 {
	if p == nil {
		return 0
	}
	return p.StatNameLength
}
func (p *ProxyConfig) GetConcurrency() *Int32Value {
	if p == nil {
		return nil
	}
	return p.Concurrency
}
func (p *ProxyConfig) GetProxyBootstrapTemplatePath() string {
	if p == nil {
		return ""
	}
	return p.ProxyBootstrapTemplatePath
}
func (p *ProxyConfig) GetInterceptionMode() ProxyConfig_InboundInterceptionMode {
	if p == nil {
		return 0
	}
	return p.InterceptionMode
}
func (p *ProxyConfig) GetTracing() Opaque {
	if p == nil {
		return nil
	}
	return p.Tracing
}
func (p *ProxyConfig) GetEnvoyAccessLogService() Opaque {
	if p == nil {
		return nil
	}
	return p.EnvoyAccessLogService
}
func (p *ProxyConfig) GetEnvoyMetricsService() Opaque {
	if p == nil {
		return nil
	}
	return p.EnvoyMetricsService
}
func (p *ProxyConfig) GetProxyMetadata() map[string]string {
	if p == nil {
		return nil
	}
	return p.ProxyMetadata
}
func (p *ProxyConfig) GetRuntimeValues() map[string]string {
	if p == nil {
		return nil
	}
	return p.RuntimeValues
}
func (p *ProxyConfig) GetStatusPort() int32 {
	if p == nil {
		return 0
	}
	return p.StatusPort
}
func (p *ProxyConfig) GetExtraStatTags() []string {
	if p == nil {
		return nil
	}
	return p.ExtraStatTags
}
func (p *ProxyConfig) GetGatewayTopology() *Topology {
	if p == nil {
		return nil
	}
	return p.GatewayTopology
}
func (p *ProxyConfig) GetTerminationDrainDuration() *Duration {
	if p == nil {
		return nil
	}
	return p.TerminationDrainDuration
}
func (p *ProxyConfig) GetMeshId() string {
	if p == nil {
		return ""
	}
	return p.MeshId
}
func (p *ProxyConfig) GetReadinessProbe() Opaque {
	if p == nil {
		return nil
	}
	return p.ReadinessProbe
}
func (p *ProxyConfig) GetProxyStatsMatcher() *ProxyConfig_ProxyStatsMatcher {
	if p == nil {
		return nil
	}
	return p.ProxyStatsMatcher
}
func (p *ProxyConfig) GetHoldApplicationUntilProxyStarts() *BoolValue {
	if p == nil {
		return nil
	}
	return p.HoldApplicationUntilProxyStarts
}
func (p *ProxyConfig) GetCaCertificatesPem() []string {
	if p == nil {
		return nil
	}
	return p.CaCertificatesPem
}
func (p *ProxyConfig) GetImage() *ProxyImage {
	if p == nil {
		return nil
	}
	return p.Image
}
func (p *ProxyConfig) GetPrivateKeyProvider() Opaque {
	if p == nil {
		return nil
	}
	return p.PrivateKeyProvider
}
func (p *ProxyConfig) GetProxyHeaders() Opaque {
	if p == nil {
		return nil
	}
	return p.ProxyHeaders
}
func (p *ProxyConfig) GetFileFlushInterval() *Duration {
	if p == nil {
		return nil
	}
	return p.FileFlushInterval
}
func (p *ProxyConfig) GetFileFlushMinSizeKb() uint32 {
	if p == nil {
		return 0
	}
	return p.FileFlushMinSizeKb
}

// ---- MeshConfig ------------------------------------------------------------------------------

type MeshConfig_OutboundTrafficPolicy struct {
	Mode MeshConfig_OutboundTrafficPolicy_Mode `json:"mode,omitempty"`
}

func (*MeshConfig_OutboundTrafficPolicy) isProtoMessage() {}
func (m *MeshConfig_OutboundTrafficPolicy) GetMode() MeshConfig_OutboundTrafficPolicy_Mode {
	if m == nil {
		return 0
	}
	return m.Mode
}

type MeshConfig_InboundTrafficPolicy struct {
	Mode MeshConfig_InboundTrafficPolicy_Mode `json:"mode,omitempty"`
}

func (*MeshConfig_InboundTrafficPolicy) isProtoMessage() {}
func (m *MeshConfig_InboundTrafficPolicy) GetMode() MeshConfig_InboundTrafficPolicy_Mode {
	if m == nil {
		return 0
	}
	return m.Mode
}

type MeshConfig struct {
	ProxyListenPort                int32                             `json:"proxy_listen_port,omitempty"`
	ProxyInboundListenPort         int32                             `json:"proxy_inbound_listen_port,omitempty"`
	ProxyHttpPort                  int32                             `json:"proxy_http_port,omitempty"`
	ConnectTimeout                 *Duration                         `json:"connect_timeout,omitempty"`
	ProtocolDetectionTimeout       *Duration                         `json:"protocol_detection_timeout,omitempty"`
	TcpKeepalive                   Opaque                            `json:"tcp_keepalive,omitempty"`
	IngressClass                   string                            `json:"ingress_class,omitempty"`
	IngressService                 string                            `json:"ingress_service,omitempty"`
	IngressControllerMode          MeshConfig_IngressControllerMode  `json:"ingress_controller_mode,omitempty"`
	IngressSelector                string                            `json:"ingress_selector,omitempty"`
	EnableTracing                  bool                              `json:"enable_tracing,omitempty"`
	AccessLogFile                  string                            `json:"access_log_file,omitempty"`
	AccessLogFormat                string                            `json:"access_log_format,omitempty"`
	AccessLogEncoding              MeshConfig_AccessLogEncoding      `json:"access_log_encoding,omitempty"`
	EnableEnvoyAccessLogService    bool                              `json:"enable_envoy_access_log_service,omitempty"`
	DisableEnvoyListenerLog        bool                              `json:"disable_envoy_listener_log,omitempty"`
	DefaultConfig                  *ProxyConfig                      `json:"default_config,omitempty"`
	OutboundTrafficPolicy          *MeshConfig_OutboundTrafficPolicy `json:"outbound_traffic_policy,omitempty"`
	InboundTrafficPolicy           *MeshConfig_InboundTrafficPolicy  `json:"inbound_traffic_policy,omitempty"`
	ConfigSources                  OpaqueList                        `json:"config_sources,omitempty"`
	EnableAutoMtls                 *BoolValue                        `json:"enable_auto_mtls,omitempty"`
	TrustDomain                    string                            `json:"trust_domain,omitempty"`
	TrustDomainAliases             []string                          `json:"trust_domain_aliases,omitempty"`
	DefaultServiceExportTo         []string                          `json:"default_service_export_to,omitempty"`
	DefaultVirtualServiceExportTo  []string                          `json:"default_virtual_service_export_to,omitempty"`
	DefaultDestinationRuleExportTo []string                          `json:"default_destination_rule_export_to,omitempty"`
	RootNamespace                  string                            `json:"root_namespace,omitempty"`
	LocalityLbSetting              Opaque                            `json:"locality_lb_setting,omitempty"`
	DnsRefreshRate                 *Duration                         `json:"dns_refresh_rate,omitempty"`
	H2UpgradePolicy                MeshConfig_H2UpgradePolicy        `json:"h2_upgrade_policy,omitempty"`
	InboundClusterStatName         string                            `json:"inbound_cluster_stat_name,omitempty"`
	OutboundClusterStatName        string                            `json:"outbound_cluster_stat_name,omitempty"`
	Certificates                   OpaqueList                        `json:"certificates,omitempty"`
	ServiceSettings                OpaqueList                        `json:"service_settings,omitempty"`
	EnablePrometheusMerge          *BoolValue                        `json:"enable_prometheus_merge,omitempty"`
	VerifyCertificateAtClient      *BoolValue                        `json:"verify_certificate_at_client,omitempty"`
	Ca                             Opaque                            `json:"ca,omitempty"`
	ExtensionProviders             OpaqueList                        `json:"extension_providers,omitempty"`
	DefaultProviders               Opaque                            `json:"default_providers,omitempty"`
	DiscoverySelectors             OpaqueList                        `json:"discovery_selectors,omitempty"`
	PathNormalization              Opaque                            `json:"path_normalization,omitempty"`
	DefaultHttpRetryPolicy         Opaque                            `json:"default_http_retry_policy,omitempty"`
	MeshMTLS                       Opaque                            `json:"mesh_mTLS,omitempty"`
	TlsDefaults                    Opaque                            `json:"tls_defaults,omitempty"`
	ServiceScopeConfigs            OpaqueList                        `json:"service_scope_configs,omitempty"`
}

func (*MeshConfig) isProtoMessage() {}

func (m *MeshConfig) GetProxyListenPort() int32 {
	if m == nil {
		return 0
	}
	return m.ProxyListenPort
}
func (m *MeshConfig) GetProxyInboundListenPort() int32 {
	if m == nil {
		return 0
	}
	return m.ProxyInboundListenPort
}
func (m *MeshConfig) GetConnectTimeout() *Duration {
	if m == nil {
		return nil
	}
	return m.ConnectTimeout
}
func (m *MeshConfig) GetIngressClass() string {
	if m == nil {
		return ""
	}
	return m.IngressClass
}
func (m *MeshConfig) GetIngressService() string {
	if m == nil {
		return ""
	}
	return m.IngressService
}
func (m *MeshConfig) GetEnableTracing() bool {
	if m == nil {
		return false
	}
	return m.EnableTracing
}
func (m *MeshConfig) GetAccessLogFile() string {
	if m == nil {
		return ""
	}
	return m.AccessLogFile
}
func (m *MeshConfig) GetDefaultConfig() *ProxyConfig {
	if m == nil {
		return nil
	}
	return m.DefaultConfig
}
func (m *MeshConfig) GetOutboundTrafficPolicy() *MeshConfig_OutboundTrafficPolicy {
	if m == nil {
		return nil
	}
	return m.OutboundTrafficPolicy
}
func (m *MeshConfig) GetInboundTrafficPolicy() *MeshConfig_InboundTrafficPolicy {
	if m == nil {
		return nil
	}
	return m.InboundTrafficPolicy
}
func (m *MeshConfig) GetEnableAutoMtls() *BoolValue {
	if m == nil {
		return nil
	}
	return m.EnableAutoMtls
}
func (m *MeshConfig) GetTrustDomain() string {
	if m == nil {
		return ""
	}
	return m.TrustDomain
}
func (m *MeshConfig) GetTrustDomainAliases() []string {
	if m == nil {
		return nil
	}
	return m.TrustDomainAliases
}
func (m *MeshConfig) GetRootNamespace() string {
	if m == nil {
		return ""
	}
	return m.RootNamespace
}
func (m *MeshConfig) GetEnablePrometheusMerge() *BoolValue {
	if m == nil {
		return nil
	}
	return m.EnablePrometheusMerge
}
func (m *MeshConfig) GetDefaultProviders() Opaque {
	if m == nil {
		return nil
	}
	return m.DefaultProviders
}
func (m *MeshConfig) GetExtensionProviders() OpaqueList {
	if m == nil {
		return nil
	}
	return m.ExtensionProviders
}

// ---- defaults (pkg/config/mesh) --------------------------------------------------------------

// DefaultProxyConfig is istiod's code default, the baseline every ProxyConfig is merged onto
// and the reference cleanProxyConfig strips from PROXY_CONFIG.
func DefaultProxyConfig() *ProxyConfig {
	return &ProxyConfig{
		ConfigPath:               "./etc/istio/proxy",
		ClusterName:              &ProxyConfig_ServiceCluster{ServiceCluster: "istio-proxy"},
		DrainDuration:            &Duration{Seconds: 45},
		TerminationDrainDuration: &Duration{Seconds: 5},
		ProxyAdminPort:           15000,
		ControlPlaneAuthPolicy:   AuthenticationPolicy_MUTUAL_TLS,
		DiscoveryAddress:         "istiod.istio-system.svc:15012",
		BinaryPath:               "/usr/local/bin/envoy",
		StatNameLength:           189,
		StatusPort:               15020,
	}
}

func DefaultMeshConfig() *MeshConfig {
	return &MeshConfig{
		EnableTracing:                  true,
		AccessLogEncoding:              0,
		ProtocolDetectionTimeout:       &Duration{},
		IngressService:                 "istio-ingressgateway",
		IngressControllerMode:          3,
		IngressClass:                   "istio",
		TrustDomain:                    "cluster.local",
		TrustDomainAliases:             []string{},
		EnableAutoMtls:                 &BoolValue{Value: true},
		OutboundTrafficPolicy:          &MeshConfig_OutboundTrafficPolicy{Mode: 1},
		InboundTrafficPolicy:           &MeshConfig_InboundTrafficPolicy{Mode: MeshConfig_InboundTrafficPolicy_PASSTHROUGH},
		LocalityLbSetting:              Opaque{"enabled": true},
		Certificates:                   OpaqueList{},
		DefaultConfig:                  DefaultProxyConfig(),
		RootNamespace:                  "istio-system",
		ProxyListenPort:                15001,
		ProxyInboundListenPort:         15006,
		ConnectTimeout:                 &Duration{Seconds: 10},
		DefaultServiceExportTo:         []string{"*"},
		DefaultVirtualServiceExportTo:  []string{"*"},
		DefaultDestinationRuleExportTo: []string{"*"},
		DnsRefreshRate:                 &Duration{Seconds: 60},
		ServiceSettings:                OpaqueList{},
		EnablePrometheusMerge:          &BoolValue{Value: true},
		DefaultProviders:               Opaque{},
		ExtensionProviders: OpaqueList{
			map[string]any{"name": "prometheus", "prometheus": map[string]any{}},
			map[string]any{"name": "stackdriver", "stackdriver": map[string]any{}},
			map[string]any{"name": "envoy", "envoyFileAccessLog": map[string]any{"path": "/dev/stdout"}},
		},
	}
}

// String prints the prototext form, omitting zero fields as the generated code does.
func (d *Duration) String() string {
	if d == nil {
		return "<nil>"
	}
	parts := []string{}
	if d.Seconds != 0 {
		parts = append(parts, fmt.Sprintf("seconds:%d", d.Seconds))
	}
	if d.Nanos != 0 {
		parts = append(parts, fmt.Sprintf("nanos:%d", d.Nanos))
	}
	return strings.Join(parts, " ")
}
