"""The acme-platform components from Python: an app and its data tier behind the gateway, on the
local Docker engine.

Docker only: on a k3s cluster (`target=acme_platform.Target.K3S` with a `kubeconfig`), only
AppService runs today. PostgresCluster, RedisCluster, MessageQueue, Gateway and ObservabilityStack
need cluster add-ons (CloudNativePG, cert-manager, the Gateway API and Prometheus Operator CRDs, the
RabbitMQ operators) that the multi-language package does not offer yet, and refuse without them.
"""
import pulumi
import pulumi_acme_platform as acme_platform

platform = acme_platform.PlatformTargetArgs(
    target=acme_platform.Target.DOCKER,
    environment=acme_platform.Environment.DEV,
)

web = acme_platform.AppService(
    "web",
    platform=platform,
    image="ghcr.io/stefanprodan/podinfo:6.9.2",
    port=9898,
    replicas=2,
    probes=acme_platform.ProbesArgs(readiness_path="/readyz", liveness_path="/healthz"),
    resources=acme_platform.ResourcesArgs(
        requests=acme_platform.QuantitiesArgs(cpu="100m", memory="128Mi"),
        limits=acme_platform.QuantitiesArgs(memory="256Mi"),
    ),
)

db = acme_platform.PostgresCluster("db", platform=platform, database="app", storage_gi_b=20)

cache = acme_platform.RedisCluster("cache", platform=platform)

queue = acme_platform.MessageQueue(
    "queue",
    platform=platform,
    broker=acme_platform.Broker.RABBITMQ,
    queues=[acme_platform.QueueArgs(name="orders", durable=True)],
)

edge = acme_platform.Gateway(
    "edge",
    platform=platform,
    routes=[acme_platform.GatewayRouteArgs(name="web", hostname="app.localhost", service_name="web", service_port=9898)],
)

observability = acme_platform.ObservabilityStack("observability", platform=platform, retention_days=3)

pulumi.export("url", web.url)
pulumi.export("gateway_address", edge.address)
pulumi.export("grafana_url", observability.grafana_url)
pulumi.export("database_url", db.connection_string)
