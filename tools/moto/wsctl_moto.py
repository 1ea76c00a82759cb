"""The wsctl extension of moto 5.2.1: the few API Gateway v2, Lambda and @connections operations that
`wsctl deploy` and the operations commands use and moto 5.2.1 lacks (or answers so that wsctl cannot work
as it does on AWS), each written from the AWS reference named below, state kept in moto's own backends.
Everything else answering on the server is moto's own behaviour.

API Gateway v2 (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/):
- CreateDeployment, GetDeployments, GetDeployment (resource-apis-apiid-deployments.html,
  resource-apis-apiid-deployments-deploymentid.html). A deployment is a snapshot of the API that a stage
  serves; this one records its id, description, status DEPLOYED and creation date, not the routes.
  With StageName, the stage is pointed at the new deployment, as the reference says.
- DeploymentId on CreateStage / GetStage, and UpdateStage (resource-apis-apiid-stages-stagename.html):
  moto keeps neither the deployment id nor a way to change a stage.
- GetStages lists each stage's DeploymentId too (resource-apis-apiid-stages.html).
- ApiEndpoint of a WEBSOCKET API is wss://{api-id}.execute-api.{region}.amazonaws.com (moto answers https://
  for every protocol; https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api.html).
- UpdateRoute with AuthorizationType NONE detaches the route's authorizer, which is how AWS detaches one
  (https://github.com/aws-cloudformation/cloudformation-coverage-roadmap/issues/2184); moto keeps the old
  AuthorizerId.
- GetRouteResponses (resource-apis-apiid-routes-routeid-routeresponses.html) and GetAuthorizers
  (resource-apis-apiid-authorizers.html): moto has the single-item calls, not the listings.

Lambda (https://docs.aws.amazon.com/lambda/latest/api/):
- SnapStart and LoggingConfig: moto 5.2.1 drops them from CreateFunction and UpdateFunctionConfiguration and
  always answers SnapStart off, Text logs. Here both are kept and answered as FunctionConfiguration documents
  them (API_FunctionConfiguration.html; API_SnapStartResponse.html: OptimizationStatus On for the published
  versions of a function with ApplyOn PublishedVersions; API_LoggingConfig.html: LogFormat Text and LogGroup
  /aws/lambda/{name} by default).
- Event invoke configurations: moto answers LastModified as a date string the SDKs cannot read, where the
  reference has a timestamp (API_FunctionEventInvokeConfig.html; epoch seconds in this JSON protocol), and its
  Put/Update append a second configuration while reads keep answering the first. Here Put replaces it and
  Update changes only the fields given (API_PutFunctionEventInvokeConfig.html,
  API_UpdateFunctionEventInvokeConfig.html). The qualifier is still ignored, as moto does: one configuration
  per function.

- GetAccountSettings (API_GetAccountSettings.html: GET /2016-08-19/account-settings/), which moto 5.2.1 answers
  404. AccountLimit: ConcurrentExecutions is moto's own concurrency quota (MOTO_LAMBDA_CONCURRENCY_QUOTA, which
  its PutFunctionConcurrency enforces) or Lambda's default of 1000, UnreservedConcurrentExecutions that less the
  reserved concurrency of the region's functions, code sizes at Lambda's default quotas (250 MB unzipped, 50 MB
  zipped, 75 GB in all: https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html); AccountUsage:
  the region's functions and the code size of their latest versions.

Service Quotas (https://docs.aws.amazon.com/servicequotas/2019-06-24/apireference/): moto 5.2.1 knows the quotas of
VPC only. Here API Gateway's "New connections per second per account (across all WebSocket APIs) per Region"
(L-9ED1E49A, default 500: apigateway/latest/developerguide/apigateway-execution-service-websocket-limits-table.html)
answers GetServiceQuota (API_GetServiceQuota.html) per account and region, and RequestServiceQuotaIncrease
(API_RequestServiceQuotaIncrease.html) sets it. AWS reviews such a request and may take days; the emulator answers
Status APPROVED and applies the value at once, so that a test can set a quota as an account would have it.
DynamoDB (https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/):
- UpdateTable with StreamSpecification StreamEnabled true on a table whose stream was turned off: moto 5.2.1
  refuses it ("Cannot enable stream") because the table keeps its last stream's label. On AWS a table without an
  enabled stream may get one again, a new stream with a new label and ARN (API_UpdateTable.html,
  API_StreamSpecification.html; only enabling a stream on a table that has an enabled stream is refused). Here it is
  refused only then.

IAM (https://docs.aws.amazon.com/IAM/latest/APIReference/API_SimulatePrincipalPolicy.html): moto 5.2.1 has no
SimulatePrincipalPolicy. Here it evaluates each of ActionNames on each of ResourceArns (`*` when none are given) with
ContextEntries as the request's context, against the identity policies of PolicySourceArn as moto's IAM holds them:
a user's inline and attached policies and those of its groups, or a role's inline and attached policies (the default
version of each managed policy). The evaluation is not written here: tools/iam-simulate's evaluator
(@cloud-copilot/iam-simulate, which scripts/test installs) decides each, without checking resource types, as IAM's
simulation takes any resource string. Answered: EvalActionName, EvalResourceName, EvalDecision (allowed,
explicitDeny, implicitDeny); not MatchedStatements, MissingContextValues, permissions boundaries, SCPs or
PolicyInputList. An unknown PolicySourceArn is NoSuchEntity, as the reference says.

@connections (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html):
POST / GET / DELETE https://{api-id}.execute-api.{region}.amazonaws.com/{stage}/@connections/{connection_id}.
With an endpoint override the host is the emulator's, so the API is known from the path only: POST
(PostToConnection), GET (GetConnection) and DELETE (DeleteConnection) under `/{stage}/@connections/{id}`,
signed for execute-api, are answered here against moto's apigatewaymanagementapi backend. moto 5.2.1 sends
them to another service (its routing maps the execute-api signing name to IoT) and, where it does answer,
treats every id as connected. Here, as on AWS, an id that is not connected answers 410 GoneException.

CloudWatch (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/):
- Percentile statistics (Stat `pNN` or `pNN.NN`) in GetMetricData's MetricStat: moto 5.2.1 answers only Sum,
  Average, Minimum, Maximum and SampleCount. "CloudWatch needs raw data points to calculate percentile statistics"
  (API_GetMetricStatistics.html; Stat in API_MetricStat.html takes the statistics of
  https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Statistics-definitions.html): here the nearest-rank
  percentile of the raw values in the period (the smallest value with at least NN % of the values at or below it);
  none when the period holds only statistic sets or a negative value, as the reference says.
- Smithy RPC v2 CBOR (https://smithy.io/2.0/additional-specs/protocols/smithy-rpc-v2.html): the AWS
SDKs (Java v2 since 2.3x) call CloudWatch with POST /service/GraniteServiceVersion20100801/operation/{Operation}, a
CBOR body and `smithy-protocol: rpc-v2-cbor`; moto 5.2.1 answers CloudWatch's Query and JSON protocols only
(https://github.com/getmoto/moto/issues/9195). Such a request is decoded with botocore's own CBOR parser against
the operation's input shape, sent to moto's CloudWatch as the same operation in the JSON protocol (botocore's JSON
serializer), and moto's answer encoded back with botocore's CBOR serializer against the output shape; an error is
answered as the protocol says, a CBOR map with `__type` (the error shape) and `message`, and, CloudWatch being
awsQueryCompatible, the `x-amzn-query-error: Code;Sender` header. moto's CloudWatch behaviour is unchanged.

No AWS API opens a WebSocket connection (clients do), so the emulator has a side door for tests, outside
the AWS paths: POST /_wsctl/connections/{id}[?region=R, default us-east-1] opens one (as a client's $connect
would), GET answers {"connected": bool, "messages": [base64 …]}: what PostToConnection delivered to it, in
order.
"""
import base64
import io
import json
import os
import random
import re
import string
import subprocess
from datetime import datetime, timezone
from typing import Any

from moto.apigatewaymanagementapi.models import Connection, apigatewaymanagementapi_backends
from moto.apigatewayv2 import urls as apigatewayv2_urls
from moto.apigatewayv2.exceptions import APIGatewayV2Error
from moto.apigatewayv2.models import Api, Stage
from moto.apigatewayv2.responses import ApiGatewayV2Response
from moto.awslambda.models import EventInvokeConfig, LambdaBackend, LambdaFunction
from moto.cloudwatch.models import MetricDatum, Statistics
from moto.core import DEFAULT_ACCOUNT_ID
from moto.awslambda.models import lambda_backends
from moto.core.exceptions import ServiceException
from moto.iam.exceptions import NoSuchEntity
from moto.iam.models import get_account_id_from
from moto.iam.responses import IamResponse
from moto.core.responses import ActionResult
from moto.servicequotas.exceptions import NoSuchResource
from moto.servicequotas.models import ServiceQuotasBackend
from moto.servicequotas.responses import ServiceQuotasResponse
from moto.dynamodb.exceptions import StreamAlreadyEnabledException
from moto.dynamodb.models import DynamoDBBackend
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app


class DeploymentNotFound(APIGatewayV2Error):
    code = 404

    def __init__(self, deployment_id: str):
        super().__init__("NotFoundException", f"Invalid Deployment identifier specified {deployment_id}")


class StageNotFound(APIGatewayV2Error):
    code = 404

    def __init__(self, stage_name: str):
        super().__init__("NotFoundException", f"Invalid stage identifier specified {stage_name}")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _deployments(api: Api) -> dict[str, dict[str, Any]]:
    if not hasattr(api, "wsctl_deployments"):
        api.wsctl_deployments = {}
    return api.wsctl_deployments


# ---- API Gateway v2: deployments, UpdateStage, a stage's deployment id, listings

apigatewayv2_urls.url_paths.update({
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments$": ApiGatewayV2Response.dispatch,
    "{0}/v2/apis/(?P<api_id>[^/]+)/deployments/(?P<deployment_id>[^/]+)$": ApiGatewayV2Response.dispatch,
})


def _api(response: ApiGatewayV2Response, index: int) -> Api:
    return response.apigatewayv2_backend.get_api(response.path.split("/")[index])


def create_deployment(self: ApiGatewayV2Response):
    api = _api(self, -2)
    params = json.loads(self.body or "{}")
    stage_name = params.get("stageName")
    if stage_name is not None and stage_name not in api.stages:
        raise StageNotFound(stage_name)
    deployment = {
        "deploymentId": "".join(random.choice(string.ascii_lowercase + string.digits) for _ in range(6)),
        "deploymentStatus": "DEPLOYED",
        "autoDeployed": False,
        "createdDate": _now(),
    }
    if params.get("description") is not None:
        deployment["description"] = params["description"]
    _deployments(api)[deployment["deploymentId"]] = deployment
    if stage_name is not None:
        api.stages[stage_name].wsctl_deployment_id = deployment["deploymentId"]
    return 201, {}, json.dumps(deployment)


def get_deployments(self: ApiGatewayV2Response):
    return 200, {}, json.dumps({"items": list(_deployments(_api(self, -2)).values())})


def get_deployment(self: ApiGatewayV2Response):
    api = _api(self, -3)
    deployment_id = self.path.split("/")[-1]
    if deployment_id not in _deployments(api):
        raise DeploymentNotFound(deployment_id)
    return 200, {}, json.dumps(_deployments(api)[deployment_id])


def _check_deployment(api: Api, deployment_id: Any) -> None:
    if deployment_id is not None and deployment_id not in _deployments(api):
        raise DeploymentNotFound(deployment_id)


_moto_create_stage = ApiGatewayV2Response.create_stage


def create_stage(self: ApiGatewayV2Response):
    api = _api(self, -2)
    deployment_id = json.loads(self.body or "{}").get("deploymentId")
    _check_deployment(api, deployment_id)
    status, headers, body = _moto_create_stage(self)
    stage = json.loads(body)
    api.stages[stage["stageName"]].wsctl_deployment_id = deployment_id
    return 201, headers, json.dumps(_stage_json(api.stages[stage["stageName"]]))


def update_stage(self: ApiGatewayV2Response):
    api = _api(self, -3)
    stage = api.get_stage(self.path.split("/")[-1])
    params = json.loads(self.body or "{}")
    _check_deployment(api, params.get("deploymentId"))
    if "deploymentId" in params:
        stage.wsctl_deployment_id = params["deploymentId"]
    for field, attribute in [("defaultRouteSettings", "default_route_settings"),
                             ("routeSettings", "route_settings"), ("stageVariables", "stage_variables"),
                             ("accessLogSettings", "access_log_settings"), ("description", "description"),
                             ("autoDeploy", "auto_deploy"), ("clientCertificateId", "client_certificate_id")]:
        if field in params:
            setattr(stage, attribute, params[field])
    stage.updated = datetime.now()
    return 200, {}, json.dumps(_stage_json(stage))


def get_stage(self: ApiGatewayV2Response):
    api = _api(self, -3)
    return 200, {}, json.dumps(_stage_json(api.get_stage(self.path.split("/")[-1])))


def _stage_json(stage: Stage) -> dict[str, Any]:
    result = stage.to_json()
    if getattr(stage, "wsctl_deployment_id", None):
        result["deploymentId"] = stage.wsctl_deployment_id
    return result


def get_stages(self: ApiGatewayV2Response):
    api = _api(self, -2)
    return 200, {}, json.dumps({"items": [_stage_json(st) for st in api.stages.values()]})


_moto_update_route = ApiGatewayV2Response.update_route


def update_route(self: ApiGatewayV2Response):
    status, headers, body = _moto_update_route(self)
    if json.loads(self.body or "{}").get("authorizationType") == "NONE":
        api = _api(self, -3)
        route = api.get_route(self.path.split("/")[-1])
        route.authorizer_id = None
        body = json.dumps(route.to_json())
    return status, headers, body


def get_route_responses(self: ApiGatewayV2Response):
    api = _api(self, -4)
    route = api.get_route(self.path.split("/")[-2])
    return 200, {}, json.dumps({"items": [r.to_json() for r in route.route_responses.values()]})


def get_authorizers(self: ApiGatewayV2Response):
    api = _api(self, -2)
    return 200, {}, json.dumps({"items": [a.to_json() for a in api.authorizers.values()]})


for _name, _method in [("create_deployment", create_deployment), ("get_deployments", get_deployments),
                       ("get_deployment", get_deployment), ("create_stage", create_stage),
                       ("update_stage", update_stage), ("get_stage", get_stage),
                       ("get_route_responses", get_route_responses), ("get_authorizers", get_authorizers),
                       ("get_stages", get_stages), ("update_route", update_route)]:
    setattr(ApiGatewayV2Response, _name, _method)


_moto_api_to_json = Api.to_json


def _api_to_json(self: Api) -> dict[str, Any]:
    result = _moto_api_to_json(self)
    if self.protocol_type == "WEBSOCKET":
        result["apiEndpoint"] = self.api_endpoint.replace("https://", "wss://", 1)
    return result


Api.to_json = _api_to_json


# ---- Lambda: SnapStart and LoggingConfig

_moto_function_init = LambdaFunction.__init__
_moto_update_configuration = LambdaFunction.update_configuration
_moto_get_configuration = LambdaFunction.get_configuration


def _function_init(self: LambdaFunction, account_id: str, spec: dict[str, Any], region: str, version: Any = 1):
    _moto_function_init(self, account_id, spec, region, version)
    self.wsctl_snap_start = spec.get("SnapStart") or {"ApplyOn": "None"}
    self.wsctl_logging = {"LogFormat": "Text", "LogGroup": f"/aws/lambda/{self.function_name}",
                          **(spec.get("LoggingConfig") or {})}


def _update_configuration(self: LambdaFunction, config_updates: dict[str, Any]) -> dict[str, Any]:
    if "SnapStart" in config_updates:
        self.wsctl_snap_start = config_updates["SnapStart"]
    if "LoggingConfig" in config_updates:
        self.wsctl_logging = {**self.wsctl_logging, **config_updates["LoggingConfig"]}
    return _moto_update_configuration(self, config_updates)


def _get_configuration(self: LambdaFunction, on_create: bool = False) -> dict[str, Any]:
    config = _moto_get_configuration(self, on_create)
    apply_on = self.wsctl_snap_start.get("ApplyOn", "None")
    published = str(self.version) != "$LATEST"
    config["SnapStart"] = {"ApplyOn": apply_on,
                           "OptimizationStatus": "On" if apply_on == "PublishedVersions" and published else "Off"}
    config["LoggingConfig"] = dict(self.wsctl_logging)
    return config


_moto_event_invoke_response = EventInvokeConfig.response


def _event_invoke_response(self: EventInvokeConfig) -> dict[str, Any]:
    result = _moto_event_invoke_response(self)
    if isinstance(result.get("LastModified"), str):
        try:
            result["LastModified"] = datetime.fromisoformat(result["LastModified"].replace("Z", "+00:00")).timestamp()
        except ValueError:
            result["LastModified"] = datetime.now(timezone.utc).timestamp()
    return result


EventInvokeConfig.response = _event_invoke_response


def _put_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    fn = self.get_function(function_name)
    fn.event_invoke_config = [EventInvokeConfig(fn.function_arn, fn.last_modified, config)]
    return fn.event_invoke_config[0].response()


def _update_event_invoke_config(self: LambdaBackend, function_name: str, config: dict[str, Any]) -> dict[str, Any]:
    fn = self.get_function(function_name)
    merged = {**(fn.event_invoke_config[0].config if fn.event_invoke_config else {}), **config}
    return _put_event_invoke_config(self, function_name, merged)


LambdaBackend.put_function_event_invoke_config = _put_event_invoke_config
LambdaBackend.update_function_event_invoke_config = _update_event_invoke_config
LambdaFunction.__init__ = _function_init
LambdaFunction.update_configuration = _update_configuration
LambdaFunction.get_configuration = _get_configuration


# ---- CloudWatch: percentile statistics in GetMetricData

_PERCENTILE = re.compile(r"^p(?P<p>\d{1,2}(\.\d{1,2})?|100)$")
_moto_statistic = Statistics.get_statistics_for_type


def _statistic(self: Statistics, stat: str):
    percentile = _PERCENTILE.match(stat)
    if not percentile:
        return _moto_statistic(self, stat)
    values = sorted(m.value for m in self.metric_data or [] if isinstance(m, MetricDatum))
    if not values or len(values) != len(self.metric_data) or values[0] < 0:
        return None
    rank = max(1, -(-len(values) * float(percentile.group("p")) // 100))
    return values[int(rank) - 1]


Statistics.get_statistics_for_type = _statistic


# ---- Service Quotas: API Gateway's new-connections quota

_APIGATEWAY_QUOTAS = {"L-9ED1E49A": ("New connections per second per account (across all WebSocket APIs) per Region",
                                     500.0)}
_moto_get_service_quota = ServiceQuotasBackend.get_service_quota


def _quota(self: ServiceQuotasBackend, quota_code: str) -> dict[str, Any]:
    if quota_code not in _APIGATEWAY_QUOTAS:
        raise NoSuchResource
    name, default = _APIGATEWAY_QUOTAS[quota_code]
    applied = getattr(self, "wsctl_applied", {})
    return {"ServiceCode": "apigateway", "ServiceName": "Amazon API Gateway", "QuotaCode": quota_code,
            "QuotaName": name, "QuotaArn": f"arn:aws:servicequotas:{self.region_name}:{self.account_id}:apigateway/"
            f"{quota_code}", "Value": applied.get(quota_code, default), "Unit": "None", "Adjustable": True,
            "GlobalQuota": False}


def _get_service_quota(self: ServiceQuotasBackend, service_code: str, quota_code: str) -> dict[str, Any]:
    if service_code == "apigateway":
        return _quota(self, quota_code)
    return _moto_get_service_quota(self, service_code, quota_code)


def _request_service_quota_increase(self: ServiceQuotasResponse) -> str:
    params = json.loads(self.body)
    if params.get("ServiceCode") != "apigateway":
        raise NoSuchResource
    quota = _quota(self.backend, str(params.get("QuotaCode")))
    value = float(params["DesiredValue"])
    if not hasattr(self.backend, "wsctl_applied"):
        self.backend.wsctl_applied = {}
    self.backend.wsctl_applied[quota["QuotaCode"]] = value
    now = datetime.now(timezone.utc).timestamp()
    return json.dumps({"RequestedQuota": {
        "Id": "".join(random.choices(string.ascii_lowercase + string.digits, k=32)), "ServiceCode": "apigateway",
        "ServiceName": quota["ServiceName"], "QuotaCode": quota["QuotaCode"], "QuotaName": quota["QuotaName"],
        "DesiredValue": value, "Status": "APPROVED", "Created": now, "LastUpdated": now, "QuotaArn": quota["QuotaArn"],
        "GlobalQuota": False, "Unit": "None", "QuotaRequestedAtLevel": "ACCOUNT"}})


ServiceQuotasBackend.get_service_quota = _get_service_quota
ServiceQuotasResponse.request_service_quota_increase = _request_service_quota_increase
# ---- DynamoDB: a stream turned on again after it was turned off


def _update_table_streams(self: DynamoDBBackend, table: Any, stream_specification: dict[str, Any]) -> None:
    enabling = stream_specification.get("StreamEnabled") or stream_specification.get("StreamViewType")
    if enabling and (table.stream_specification or {}).get("StreamEnabled"):
        raise StreamAlreadyEnabledException
    table.set_stream_specification(stream_specification)


DynamoDBBackend.update_table_streams = _update_table_streams


# ---- @connections under the stage path, and the tests' side door

_CONNECTIONS = re.compile(r"^/(?P<stage>[^/@]+)/@connections/(?P<id>[^/]+)$")
_SIDE_DOOR = re.compile(r"^/_wsctl/connections/(?P<id>[^/]+)$")
_SCOPE = re.compile(r"Credential=(?P<key>[^/]+)/[^/]+/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request")


_SIMULATE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "iam-simulate")


class ServiceFailure(ServiceException):
    code = "ServiceFailure"


_DECISIONS = {"Allowed": "allowed", "ExplicitlyDenied": "explicitDeny", "ImplicitlyDenied": "implicitDeny"}


def _identity_policies(backend: Any, source_arn: str) -> list[dict[str, Any]]:
    """The inline and attached policies of a user (and its groups) or a role, by ARN."""
    holders = []
    for user in backend.users.values():
        if user.arn == source_arn:
            holders = [user, *backend.get_groups_for_user(user.name)]
    for role in backend.roles.values():
        if role.arn == source_arn:
            holders = [role]
    if not holders:
        raise NoSuchEntity(f"Entity {source_arn} does not exist.")
    policies = []
    for holder in holders:
        for name, document in holder.policies.items():
            policies.append({"name": name, "policy": json.loads(document)})
        for managed in holder.managed_policies.values():
            default = next(v for v in managed.versions if v.version_id == managed.default_version_id)
            policies.append({"name": managed.name, "policy": json.loads(default.document)})
    return policies


def _simulate_principal_policy(self: IamResponse):
    source = self._get_param("PolicySourceArn")
    actions = self._get_param("ActionNames", [])
    resources = self._get_param("ResourceArns", []) or ["*"]
    context = {}
    for entry in self._get_param("ContextEntries", []) or []:
        values = entry.get("ContextKeyValues", [])
        context[entry["ContextKeyName"]] = values[0] if len(values) == 1 else values
    if not os.path.isdir(os.path.join(_SIMULATE, "node_modules", "@cloud-copilot", "iam-simulate")):
        raise ServiceFailure("tools/iam-simulate is not installed: run `npm ci` in it (scripts/test does)")
    account = get_account_id_from(source)
    requests = [{"action": a, "resource": r, "context": context} for a in actions for r in resources]
    answer = subprocess.run(
        ["node", "simulate.js"],
        cwd=_SIMULATE,
        input=json.dumps({
            "account": account,
            "principal": source,
            "policies": _identity_policies(self.backend, source),
            "validate": False,
            "requests": requests,
        }),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    results = [
        {
            "EvalActionName": request["action"],
            "EvalResourceName": request["resource"],
            "EvalDecision": _DECISIONS[decision["decision"]],
        }
        for request, decision in zip(requests, json.loads(answer.stdout))
    ]
    return ActionResult({"EvaluationResults": results, "IsTruncated": False})


IamResponse.simulate_principal_policy = _simulate_principal_policy


def _connections(region: str) -> dict[str, Connection]:
    return apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][region].connections


def _respond(start_response, status: str, body: Any, error_type: str | None = None):
    data = b"" if body is None else json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    if error_type:
        headers.append(("x-amzn-ErrorType", error_type))
    start_response(status, headers)
    return [data]


def _gone(start_response, connection_id: str):
    return _respond(start_response, "410 Gone", {"message": f"Connection {connection_id} is gone"},
                    "GoneException")


def _read_body(environ) -> bytes:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""


def _at_connections(environ, start_response, region: str, connection_id: str):
    connections = _connections(region)
    method = environ["REQUEST_METHOD"]
    body = _read_body(environ)
    connection = connections.get(connection_id)  # never .connections[...]: moto's dict makes what it is asked for
    if connection is None:
        return _gone(start_response, connection_id)
    if method == "POST":
        connection.wsctl_messages.append(body)
        return _respond(start_response, "200 OK", None)
    if method == "GET":
        # GetConnection's timestamps are ISO 8601 in the reference; moto's Connection.to_dict gives epoch floats
        return _respond(start_response, "200 OK", {
            "connectedAt": _iso(connection.connected_at), "lastActiveAt": _now(),
            "identity": {"sourceIp": connection.source_ip, "userAgent": connection.user_agent}})
    if method == "DELETE":
        del connections[connection_id]
        return _respond(start_response, "204 No Content", None)
    return _respond(start_response, "405 Method Not Allowed", {"message": f"{method} is not allowed"})


def _side_door(environ, start_response, connection_id: str):
    region = environ.get("QUERY_STRING", "").partition("region=")[2].split("&")[0] or "us-east-1"
    connections = _connections(region)
    if environ["REQUEST_METHOD"] == "POST":
        connection = Connection()
        connection.wsctl_messages = []
        connections[connection_id] = connection
        return _respond(start_response, "200 OK", {"connected": True, "messages": []})
    connection = connections.get(connection_id)
    messages = [] if connection is None else [base64.b64encode(m).decode() for m in connection.wsctl_messages]
    return _respond(start_response, "200 OK", {"connected": connection is not None, "messages": messages})


_ACCOUNT_SETTINGS = re.compile(r"^/2016-08-19/account-settings/?$")


def _account_settings(start_response, access_key: str, region: str):
    functions = list(lambda_backends[get_account_id_from(access_key)][region].list_functions())
    limit = int(os.environ.get("MOTO_LAMBDA_CONCURRENCY_QUOTA") or 1000)
    reserved = sum(int(f.reserved_concurrency) for f in functions if f.reserved_concurrency)
    return _respond(start_response, "200 OK", {
        "AccountLimit": {"CodeSizeUnzipped": 262144000, "CodeSizeZipped": 52428800, "ConcurrentExecutions": limit,
                         "TotalCodeSize": 80530636800, "UnreservedConcurrentExecutions": limit - reserved},
        "AccountUsage": {"FunctionCount": len(functions), "TotalCodeSize": sum(f.code_size or 0 for f in functions)}})
# ---- CloudWatch over Smithy RPC v2 CBOR, answered by moto's CloudWatch in its JSON protocol

_RPCV2 = re.compile(r"^/service/GraniteServiceVersion20100801/operation/(?P<operation>[A-Za-z]+)$")
_CLOUDWATCH: dict[str, Any] = {}


def _cloudwatch_model():
    if "model" not in _CLOUDWATCH:
        import botocore.session

        _CLOUDWATCH["model"] = botocore.session.get_session().get_service_model("cloudwatch")
    return _CLOUDWATCH["model"]


def _cbor_error(code: str, message: str) -> bytes:
    from botocore.serialize import RpcV2CBORSerializer

    cbor = RpcV2CBORSerializer()
    out = bytearray(cbor._get_initial_byte(cbor.MAP_MAJOR_TYPE, 2))
    for text in ("__type", code, "message", message):
        cbor._serialize_type_string(out, text, None, None)
    return bytes(out)


def _cloudwatch_cbor(moto, environ, start_response, operation_name: str):
    from botocore.parsers import create_parser
    from botocore.serialize import RpcV2CBORSerializer, create_serializer

    model = _cloudwatch_model()
    try:
        operation = model.operation_model(operation_name)
    except Exception:  # botocore's OperationNotFoundError
        body = _cbor_error("UnknownOperationException", f"no operation {operation_name}")
        return _cbor_answer(start_response, "404 Not Found", body, None)
    raw = _read_body(environ)
    params = {}
    if raw and operation.input_shape is not None:
        params = create_parser("smithy-rpc-v2-cbor").parse(
            {"body": raw, "headers": {}, "status_code": 200}, operation.input_shape)
        params.pop("ResponseMetadata", None)
    request = create_serializer("json", include_validation=False).serialize_to_request(params, operation)
    inner = dict(environ)
    inner["PATH_INFO"] = "/"
    inner["QUERY_STRING"] = ""
    inner["CONTENT_TYPE"] = request["headers"]["Content-Type"]
    inner["HTTP_X_AMZ_TARGET"] = request["headers"]["X-Amz-Target"]
    inner["CONTENT_LENGTH"] = str(len(request["body"]))
    inner["wsgi.input"] = io.BytesIO(request["body"])
    inner.pop("HTTP_SMITHY_PROTOCOL", None)
    answer: dict[str, Any] = {}

    def capture(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, headers
        return lambda data: None

    body = b"".join(moto(inner, capture))
    status = answer["status"]
    code = int(status.split()[0])
    headers = {k.lower(): v for k, v in answer["headers"]}
    parsed = create_parser("json").parse({"body": body, "headers": headers, "status_code": code},
                                         operation.output_shape)
    if code >= 300:
        error = parsed["Error"]
        query_code = error.get("Code", str(code))
        shape = next((name for name in model.shape_names
                      if name == query_code or model.shape_for(name).metadata.get("error", {}).get("code") == query_code),
                     query_code)
        return _cbor_answer(start_response, status, _cbor_error(shape, error.get("Message", "")),
                            f"{query_code};Sender")
    parsed.pop("ResponseMetadata", None)
    out = bytearray()
    if operation.output_shape is not None:
        RpcV2CBORSerializer()._serialize_data_item(out, parsed, operation.output_shape)
    return _cbor_answer(start_response, status, bytes(out), None)


def _cbor_answer(start_response, status: str, body: bytes, query_error: str | None):
    headers = [("Content-Type", "application/cbor"), ("smithy-protocol", "rpc-v2-cbor"),
               ("Content-Length", str(len(body)))]
    if query_error:
        headers.append(("x-amzn-query-error", query_error))
    start_response(status, headers)
    return [body]


class WsctlApplication:
    """moto's own application, with @connections under a stage path and the tests' side door in front of it."""

    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        side_door = _SIDE_DOOR.match(path)
        if side_door:
            return _side_door(environ, start_response, side_door.group("id"))
        at_connections = _CONNECTIONS.match(path)
        scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
        if at_connections and scope and scope.group("service") == "execute-api":
            return _at_connections(environ, start_response, scope.group("region"), at_connections.group("id"))
        if (scope and scope.group("service") == "lambda" and environ["REQUEST_METHOD"] == "GET"
                and _ACCOUNT_SETTINGS.match(path)):
            return _account_settings(start_response, scope.group("key"), scope.group("region"))
        rpcv2 = _RPCV2.match(path)
        if rpcv2 and environ.get("HTTP_SMITHY_PROTOCOL") == "rpc-v2-cbor":
            return _cloudwatch_cbor(self.moto, environ, start_response, rpcv2.group("operation"))
        return self.moto(environ, start_response)


def application() -> WsctlApplication:
    return WsctlApplication()
