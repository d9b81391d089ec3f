package io.batchjob.app;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.batchjob.core.config.ConfigLoader;
import io.batchjob.core.config.LoadedConfig;
import io.batchjob.core.report.ReportStore;
import io.batchjob.core.spi.JobEnd;
import io.batchjob.core.spi.JobEvent;
import io.batchjob.core.spi.JobRequest;
import io.batchjob.k8s.CallbackHost;
import io.batchjob.k8s.ConfigMapConfigSource;
import io.batchjob.k8s.ConfigMapControl;
import io.batchjob.k8s.ConfigMapEvents;
import io.batchjob.k8s.ConfigMapWatch;
import io.batchjob.core.testing.EngineHarness;
import io.batchjob.core.testing.InMemoryJobBackend;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.batchjob.k8s.JobPodFactory;
import io.batchjob.k8s.KubernetesEventPublisher;
import io.batchjob.k8s.KubernetesJobBackend;
import io.batchjob.k8s.KubernetesNodeSource;
import io.batchjob.k8s.LeaderElection;
import io.batchjob.k8s.OwnerLookup;
import io.batchjob.k8s.PodNames;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ReplicationControllerBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.ReplicaSet;
import io.fabric8.kubernetes.api.model.apps.ReplicaSetBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;

/**
 * deploy/rbac.yaml on a real API server: applying it (whole, or with one verb of one rule taken
 * out), the controller's pod with its owner chain, and the scenario of everything the controller
 * does against the API as named steps, run with the ServiceAccount's own token.
 */
final class RbacScenario {

    /** The namespace deploy/rbac.yaml's ClusterRoleBinding names. */
    static final String NAMESPACE = "batch-jobs";
    static final String SERVICE_ACCOUNT = "batch-job-controller";
    /** The controller's ConfigMap: the name deploy/rbac.yaml grants by resourceNames. */
    static final String CONFIG_MAP = "batch-job-controller";
    static final String DEPLOYMENT = "batch-job-controller";
    static final String CONTROLLER_POD = "batch-job-controller-7d9f8-x2k4p";
    static final String RC_POD = "batch-job-controller-rc-q8w2z";
    static final String DC_POD = "batch-job-controller-dc-1-m4n5b";

    private RbacScenario() {
    }

    static List<HasMetadata> manifest() throws Exception {
        try (KubernetesClient offline = new io.fabric8.kubernetes.client.KubernetesClientBuilder().build();
             InputStream in = Files.newInputStream(Path.of("..", "deploy", "rbac.yaml"))) {
            return offline.load(in).items();
        }
    }

    /** Applies the objects server-side (as {@code kubectl apply --server-side} would). */
    static void applyRbac(KubernetesClient admin, List<HasMetadata> objects) {
        for (HasMetadata o : objects) {
            o.getMetadata().setResourceVersion(null);
            admin.resource(o).fieldManager("rbac-test").forceConflicts().serverSideApply();
        }
    }

    /** The manifest with {@code verb} taken out of the rule for {@code resource} (the rule goes when it has no verb left). */
    static List<HasMetadata> without(List<HasMetadata> manifest, String resource, String verb) {
        List<HasMetadata> copy = new ArrayList<>();
        for (HasMetadata o : manifest) {
            HasMetadata c = io.fabric8.kubernetes.client.utils.Serialization.clone(o);
            List<PolicyRule> rules = c instanceof Role r ? r.getRules() : c instanceof ClusterRole cr ? cr.getRules() : null;
            if (rules != null) {
                List<PolicyRule> kept = new ArrayList<>();
                for (PolicyRule rule : rules) {
                    if (rule.getResources().contains(resource) && rule.getVerbs().contains(verb)) {
                        List<String> resources = new ArrayList<>(rule.getResources());
                        resources.remove(resource);
                        if (!resources.isEmpty()) {
                            PolicyRule others = io.fabric8.kubernetes.client.utils.Serialization.clone(rule);
                            others.setResources(resources);
                            kept.add(others);
                        }
                        List<String> verbs = new ArrayList<>(rule.getVerbs());
                        verbs.remove(verb);
                        if (!verbs.isEmpty()) {
                            PolicyRule rest = io.fabric8.kubernetes.client.utils.Serialization.clone(rule);
                            rest.setResources(List.of(resource));
                            rest.setVerbs(verbs);
                            kept.add(rest);
                        }
                    } else {
                        kept.add(rule);
                    }
                }
                rules.clear();
                rules.addAll(kept);
            }
            copy.add(c);
        }
        return copy;
    }

    /** Whether the ServiceAccount may do {@code verb} on {@code group/resource[/sub]} (a SubjectAccessReview). */
    static boolean allowed(KubernetesClient admin, String group, String resource, String verb) {
        String[] parts = resource.split("/", 2);
        return admin.authorization().v1().subjectAccessReview().create(new SubjectAccessReviewBuilder().withNewSpec()
                .withUser("system:serviceaccount:" + NAMESPACE + ":" + SERVICE_ACCOUNT)
                .withGroups("system:serviceaccounts", "system:serviceaccounts:" + NAMESPACE, "system:authenticated")
                .withNewResourceAttributes().withNamespace(NAMESPACE).withGroup(group).withResource(parts[0])
                // Rules by resourceNames allow requests for that name only (list and watch: by a field selector on it).
                .withName(parts[0].equals("configmaps") ? CONFIG_MAP : null)
                .withSubresource(parts.length > 1 ? parts[1] : null).withVerb(verb).endResourceAttributes().endSpec().build())
                .getStatus().getAllowed();
    }

    /** The controller's pod with its owners: Deployment → ReplicaSet → Pod, or a ReplicationController, or a DeploymentConfig. */
    static void createControllerPod(KubernetesClient admin, String variant) {
        switch (variant) {
            case "deployment" -> {
                Deployment d = admin.apps().deployments().resource(new DeploymentBuilder().withNewMetadata().withName(DEPLOYMENT).endMetadata()
                        .withNewSpec().withNewSelector().addToMatchLabels("app", "controller").endSelector()
                        .withNewTemplate().withNewMetadata().addToLabels("app", "controller").endMetadata()
                        .withNewSpec().addNewContainer().withName("controller").withImage("batch-job-controller").endContainer().endSpec()
                        .endTemplate().endSpec().build()).create();
                ReplicaSet rs = admin.apps().replicaSets().resource(new ReplicaSetBuilder().withNewMetadata().withName(DEPLOYMENT + "-7d9f8")
                        .withOwnerReferences(ownerOf(d, true)).endMetadata()
                        .withNewSpec().withNewSelector().addToMatchLabels("app", "controller").endSelector()
                        .withNewTemplate().withNewMetadata().addToLabels("app", "controller").endMetadata()
                        .withNewSpec().addNewContainer().withName("controller").withImage("batch-job-controller").endContainer().endSpec()
                        .endTemplate().endSpec().build()).create();
                controllerPod(admin, CONTROLLER_POD, ownerOf(rs, true));
            }
            case "replicationcontroller" -> {
                var rc = admin.replicationControllers().resource(new ReplicationControllerBuilder().withNewMetadata()
                        .withName("batch-job-controller-rc").endMetadata().withNewSpec().addToSelector("app", "controller-rc")
                        .withNewTemplate().withNewMetadata().addToLabels("app", "controller-rc").endMetadata()
                        .withNewSpec().addNewContainer().withName("controller").withImage("batch-job-controller").endContainer().endSpec()
                        .endTemplate().endSpec().build()).create();
                controllerPod(admin, RC_POD, ownerOf(rc, true));
            }
            case "deploymentconfig" -> controllerPod(admin, DC_POD, new OwnerReferenceBuilder().withApiVersion("apps.openshift.io/v1")
                    .withKind("DeploymentConfig").withName("batch-job-controller-dc").withUid("5c0d3a6e-9f1b-4c2d-8e7f-0a1b2c3d4e5f")
                    .withController(true).build());
            default -> throw new IllegalArgumentException(variant);
        }
    }

    private static OwnerReference ownerOf(HasMetadata owner, boolean controller) {
        return new OwnerReferenceBuilder().withApiVersion(owner.getApiVersion()).withKind(owner.getKind())
                .withName(owner.getMetadata().getName()).withUid(owner.getMetadata().getUid()).withController(controller).build();
    }

    private static void controllerPod(KubernetesClient admin, String name, OwnerReference owner) {
        admin.pods().resource(new PodBuilder().withNewMetadata().withName(name).withOwnerReferences(owner).endMetadata()
                .withNewSpec().withServiceAccountName(SERVICE_ACCOUNT).addNewContainer().withName("controller")
                .withImage("batch-job-controller").endContainer().endSpec().build()).create();
    }

    /** One named step of the scenario. */
    interface Step {
        String name();

        void run() throws Exception;

        static Step of(String name, Action action) {
            return new Step() {
                @Override
                public String name() {
                    return name;
                }

                @Override
                public void run() throws Exception {
                    action.run();
                }
            };
        }
    }

    interface Action {
        void run() throws Exception;
    }

    /** Thrown by a step whose failure the controller only logged; carries what it logged. */
    static final class StepFailed extends AssertionError {
        StepFailed(String message) {
            super(message);
        }
    }

    /** Captures WARN and above of every logger while a scenario runs. */
    static final class LogCapture implements AutoCloseable {
        private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
        private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

        LogCapture() {
            appender.start();
            root.addAppender(appender);
        }

        String warnings() {
            return appender.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                    .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? "" : " " + ThrowableProxyUtil.asString(e.getThrowableProxy())))
                    .collect(Collectors.joining("\n"));
        }

        @Override
        public void close() {
            root.detachAppender(appender);
        }
    }

    /**
     * Everything the controller does against the API, as its ServiceAccount, in the order it does it.
     *
     * @param sa       a client with the ServiceAccount's token
     * @param admin    for what the cluster does meanwhile (the kubelet's part)
     * @param variant  the controller pod's owner: deployment, replicationcontroller or deploymentconfig
     * @param caseName unique per run (pod and Lease names)
     */
    static List<Step> steps(KubernetesClient sa, KubernetesClient admin, String variant, String caseName, String node, Path reports,
                            LogCapture logs, List<AutoCloseable> cleanup) {
        String name = "rbac-" + caseName;
        LoadedConfig[] loaded = new LoadedConfig[1];
        KubernetesJobBackend[] backend = new KubernetesJobBackend[1];
        List<JobEnd> ends = new CopyOnWriteArrayList<>();
        String executionId = "100";
        return List.of(
                Step.of("load config", () -> loaded[0] = ConfigMapConfigSource.load(sa, NAMESPACE, CONFIG_MAP)),
                Step.of("watch config", () -> {
                    ConfigMapWatch watch = ConfigMapWatch.start(sa, NAMESPACE, CONFIG_MAP, List.of(cm -> { }));
                    cleanup.add(watch);
                    waitFor(watch::isWatching, Duration.ofSeconds(8), () -> "the ConfigMap watch did not open; logged:\n" + logs.warnings());
                }),
                Step.of("record a handled request", () -> {
                    // A run request handled by the controller is recorded in an annotation it patches.
                    EngineHarness engine = EngineHarness.builder(reports.resolve("engine")).nodes(List.of("a"))
                            .backend(InMemoryJobBackend.manual()).build();
                    cleanup.add(engine);
                    engine.engine.activate();
                    String value = "rbac-" + System.nanoTime();
                    admin.configMaps().inNamespace(NAMESPACE).withName(CONFIG_MAP).edit(cm -> new ConfigMapBuilder(cm).editMetadata()
                            .addToAnnotations(ConfigMapControl.RUN, value).endMetadata().build());
                    ConfigMapControl control = new ConfigMapControl(sa, NAMESPACE, CONFIG_MAP, engine.engine,
                            new ConfigMapEvents(new KubernetesEventPublisher(sa, NAMESPACE, name, CONTROLLER_POD, Clock.systemUTC()),
                                    NAMESPACE, CONFIG_MAP));
                    cleanup.add(control);
                    control.onConfigMap(admin.configMaps().inNamespace(NAMESPACE).withName(CONFIG_MAP).get());
                    waitFor(() -> value.equals(admin.configMaps().inNamespace(NAMESPACE).withName(CONFIG_MAP).get().getMetadata()
                            .getAnnotations().get(ConfigMapControl.RUN_HANDLED)), Duration.ofSeconds(8),
                            () -> "the handled request was not recorded; logged:\n" + logs.warnings());
                }),
                Step.of("find owner", () -> {
                    String pod = switch (variant) {
                        case "replicationcontroller" -> RC_POD;
                        case "deploymentconfig" -> DC_POD;
                        default -> CONTROLLER_POD;
                    };
                    String expected = switch (variant) {
                        case "replicationcontroller" -> "ReplicationController/batch-job-controller-rc";
                        case "deploymentconfig" -> "DeploymentConfig/batch-job-controller-dc";
                        default -> "Deployment/" + DEPLOYMENT;
                    };
                    String found = OwnerLookup.topLevelOwner(sa, NAMESPACE, pod).map(o -> o.getKind() + "/" + o.getName()).orElse("none");
                    if (!found.equals(expected)) {
                        throw new StepFailed("owner " + found + " instead of " + expected + "; logged:\n" + logs.warnings());
                    }
                }),
                Step.of("resolve callback host", () -> CallbackHost.resolve(sa, NAMESPACE, null, "batch-job-controller")),
                Step.of("list nodes", () -> {
                    if (new KubernetesNodeSource(sa, Map.of("kubernetes.io/hostname", node), false).listNodes().isEmpty()) {
                        throw new StepFailed("node " + node + " not listed");
                    }
                }),
                Step.of("watch job pods", () -> {
                    LoadedConfig config = ConfigLoader.load("name: " + name + "\nsavePodLog: true\n", loaded[0].podTemplate().text(), "test");
                    backend[0] = new KubernetesJobBackend(sa, NAMESPACE, name, new JobPodFactory(config.config(), config.podTemplate(),
                            NAMESPACE, null), Duration.ofSeconds(30), new ReportStore(reports));
                    cleanup.add(backend[0]);
                    backend[0].start(Duration.ofSeconds(60));
                    waitFor(() -> backend[0].isWatching(), Duration.ofSeconds(30),
                            () -> "the pod watch did not open: " + backend[0].watchProblem().orElse("no error"));
                }),
                Step.of("create job pod", () -> backend[0].launch(new JobRequest(executionId, node, "secret", Map.of(), Duration.ofMinutes(1)),
                        ends::add)),
                Step.of("see the job end", () -> waitFor(() -> ends.size() == 1, Duration.ofSeconds(20), () -> "no job end")),
                Step.of("save pod log", () -> {
                    Path log = reports.resolve(executionId).resolve(node + "-container-job.log");
                    if (!Files.exists(log)) {
                        throw new StepFailed("no " + log.getFileName() + "; logged:\n" + logs.warnings());
                    }
                }),
                Step.of("create event", () -> new KubernetesEventPublisher(sa, NAMESPACE, name, CONTROLLER_POD, Clock.systemUTC())
                        .publish(new JobEvent(executionId, node, false, "Scanned", "ok", "Reported"))),
                Step.of("delete old pods", () -> {
                    backend[0].deleteJobsExcept("200");
                    waitFor(() -> admin.pods().inNamespace(NAMESPACE).withName(PodNames.of(name, node, executionId)).get() == null,
                            Duration.ofSeconds(5), () -> "the pod was not deleted");
                }),
                Step.of("stop a job", () -> backend[0].stop(executionId, node)),
                Step.of("lead", () -> {
                    AtomicBoolean led = new AtomicBoolean();
                    String lease = name + "-leader-election";
                    try (LeaderElection election = new LeaderElection(sa, NAMESPACE, lease, CONTROLLER_POD, Duration.ofSeconds(2),
                            Duration.ofMillis(1500), Duration.ofMillis(100), () -> led.set(true), () -> { })) {
                        election.start();
                        waitFor(() -> {
                            var l = admin.leases().inNamespace(NAMESPACE).withName(lease).get();
                            return led.get() && election.isLeader() && l != null && l.getSpec().getRenewTime() != null
                                    && !l.getSpec().getRenewTime().equals(l.getSpec().getAcquireTime());
                        }, Duration.ofSeconds(8), () -> "did not lead and renew the Lease; logged:\n" + logs.warnings());
                    }
                }));
    }

    /** Waits for a condition of a step; a timeout is the step's failure. */
    private static void waitFor(BooleanSupplier condition, Duration max, java.util.function.Supplier<String> failure) {
        try {
            org.awaitility.Awaitility.await().atMost(max).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new StepFailed(failure.get());
        }
    }
}
