{{/* Name of every object: .Values.name when set (the Go chart's key wins), else as Helm charts do:
     fullnameOverride, or the release name (with the chart's name, or nameOverride, added when the
     release name does not contain it). */}}
{{- define "bjc.name" -}}
{{- if .Values.name -}}
{{- .Values.name | trunc 63 | trimSuffix "-" -}}
{{- else if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Whether deployment.image names the Go controller's image: this chart runs the Java one instead. */}}
{{- define "bjc.goImage" -}}
{{- if regexMatch "(^|/)bakito/batch-job-controller$" (default "" .Values.deployment.image) -}}true{{- end -}}
{{- end -}}

{{/* The controller's image: image.repository:image.tag (appVersion when empty); the Go chart's
     deployment.image/imageTag win when set, unless they name the Go controller's image. */}}
{{- define "bjc.image" -}}
{{- $repo := .Values.image.repository -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if not (include "bjc.goImage" .) -}}
{{- with .Values.deployment.image -}}{{- $repo = . -}}{{- end -}}
{{- with .Values.deployment.imageTag -}}{{- $tag = . -}}{{- end -}}
{{- end -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}

{{/* Labels of every object. */}}
{{- define "bjc.labels" -}}
app.kubernetes.io/name: {{ include "bjc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{/* The Deployment's selector (immutable: never add to it). */}}
{{- define "bjc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "bjc.name" . }}
{{- end -}}

{{- define "bjc.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "bjc.name" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}


{{/* config.yaml as a dict: .Values.config with the Go chart's aliases applied, derived defaults
     filled in and null (= the controller's default) keys left out. */}}
{{- define "bjc.config" -}}
{{- $c := deepCopy .Values.config -}}
{{- $d := .Values.deployment -}}
{{- range $alias := list "cronExpression" "reportDirectory" "reportHistory" "podPoolSize" "runOnStartup" -}}
{{- if not (kindIs "invalid" (index $d $alias)) -}}
{{- $_ := set $c $alias (index $d $alias) -}}
{{- end -}}
{{- end -}}
{{- if not $c.name -}}{{- $_ := set $c "name" (include "bjc.name" .) -}}{{- end -}}
{{- if not $c.callbackServiceName -}}{{- $_ := set $c "callbackServiceName" (include "bjc.name" .) -}}{{- end -}}
{{- $m := deepCopy (default dict $c.metrics) -}}
{{- if and (empty $m.gauges) (not .Values.jobPod.template) (not .Values.jobPod.script) -}}
{{- $_ := set $m "gauges" (dict "my_metric" (dict "help" "an example result metric" "labels" (list "label_a" "label_b"))) -}}
{{- end -}}
{{- if not $m.prefix -}}{{- $_ := set $m "prefix" (include "bjc.name" . | replace "-" "_" | replace "." "_") -}}{{- end -}}
{{- $_ := set $c "metrics" (include "bjc.dropNulls" $m | fromYaml) -}}
{{- include "bjc.dropNulls" $c -}}
{{- end -}}

{{/* A dict's YAML without its null entries (one level). */}}
{{- define "bjc.dropNulls" -}}
{{- $out := dict -}}
{{- range $k, $v := . -}}
{{- if not (kindIs "invalid" $v) -}}{{- $_ := set $out $k $v -}}{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end -}}

{{/* The keys a running controller cannot apply (ConfigReload.RESTART_KEYS, without runOnStartup and
     startupDelay, which only matter at the next start anyway): their change rolls the pod. */}}
{{- define "bjc.restartChecksum" -}}
{{- $c := include "bjc.config" . | fromYaml -}}
{{- $m := default dict $c.metrics -}}
{{- $keys := dict "metrics.port" $m.port "metrics.prefix" $m.prefix -}}
{{- range $k := list "name" "reportDirectory" "callbackServicePort" "reportServerPort" "healthProbePort" "callbackServiceName" "callbackAuth" "maxUploadSize" "maxResultSize" "maxSeriesPerResult" "maxFilesPerJob" "maxBytesPerJob" "maxSeriesInMemory" "callbackRelayWait" "savePodLog" "latestMetricsLabel" "leaderElectionResourceLock" "reportFileMode" -}}
{{- $_ := set $keys $k (index $c $k) -}}
{{- end -}}
{{- toJson $keys | sha256sum -}}
{{- end -}}

{{- define "bjc.port" -}}
{{- $c := include "bjc.config" .root | fromYaml -}}
{{- if eq .which "metrics" -}}{{ default 9153 $c.metrics.port }}
{{- else if eq .which "health" -}}{{ default 9152 $c.healthProbePort }}
{{- else if eq .which "callback" -}}{{ default 8090 $c.callbackServicePort }}
{{- else -}}{{ default 8080 $c.reportServerPort }}
{{- end -}}
{{- end -}}

{{- define "bjc.reportDirectory" -}}
{{- $c := include "bjc.config" . | fromYaml -}}
{{- default "/var/www" $c.reportDirectory -}}
{{- end -}}

{{- define "bjc.persistence" -}}
{{- $p := deepCopy .Values.persistence -}}
{{- if not (kindIs "invalid" .Values.deployment.withPersistentVolume) -}}{{- $_ := set $p "enabled" .Values.deployment.withPersistentVolume -}}{{- end -}}
{{- if not (kindIs "invalid" .Values.deployment.storageClassName) -}}{{- $_ := set $p "storageClassName" .Values.deployment.storageClassName -}}{{- end -}}
{{- toYaml $p -}}
{{- end -}}

{{- define "bjc.claimName" -}}
{{- default (printf "%s-reports" (include "bjc.name" .)) .Values.persistence.existingClaim -}}
{{- end -}}

{{/* The default job pod template: jobPod.image running the job script from this ConfigMap. */}}
{{- define "bjc.defaultPodTemplate" -}}
apiVersion: v1
kind: Pod
spec:
  containers:
    - name: job
      image: {{ .Values.jobPod.image }}
      imagePullPolicy: {{ .Values.jobPod.imagePullPolicy }}
      command: [sh, /opt/job/run.sh]
      {{- with .Values.jobPod.resources }}
      resources:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      securityContext:
        allowPrivilegeEscalation: false
        readOnlyRootFilesystem: true
        capabilities: {drop: [ALL]}
      volumeMounts:
        - {name: job-script, mountPath: /opt/job/run.sh, subPath: run.sh, readOnly: true}
  volumes:
    - name: job-script
      configMap:
        name: {{ include "bjc.name" . }}
        items: [{key: run.sh, path: run.sh}]
{{- end -}}

{{- define "bjc.podTemplate" -}}
{{- $t := .Values.jobPod.template -}}
{{- if kindIs "map" $t -}}{{ toYaml $t }}
{{- else if $t -}}{{ $t }}
{{- else -}}{{ include "bjc.defaultPodTemplate" . }}
{{- end -}}
{{- end -}}
