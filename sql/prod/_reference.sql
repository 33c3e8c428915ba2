-- sql/prod/_reference.sql — the release's reference sets; included (\ir), never run alone.
--
-- This is release knowledge, kept apart from the data it is checked against:
--   axis    tier 20 (responsibility axis) and tier 40 (containment): 7 axis points, each with
--           the collection-name prefix that places an entity on it, the Directus role that
--           stewards it (tier 30 makes that role the sovereign owner), its Directus folder and
--           the classification of its containment boundary.
--   topics  tier 50 (topic finalization): 42 topics; a governed entity's topic is the one whose
--           prefix its name starts with; each topic lies on exactly one axis point.
--
-- OPERATOR: review this file before GO. 00_preflight.sql prints the digests
-- (INFO axis_reference_sha256 / topic_reference_sha256: sha256 of the jsonb text of each array)
-- and checks that every governed entity matches exactly one axis point and one topic on it.
--
-- Sets the psql variable oneroof_reference (jsonb text); read it as :'oneroof_reference'.
SET client_min_messages = notice;
SELECT $oneroof_reference$
{
  "axis": [
    {"code": "finance", "ordinal": 1, "title": "Finance", "prefix": "fin_", "steward": "Finance Steward", "folder": "finance", "classification": "restricted"},
    {"code": "people", "ordinal": 2, "title": "People", "prefix": "hr_", "steward": "People Steward", "folder": "people", "classification": "restricted"},
    {"code": "customers", "ordinal": 3, "title": "Customers", "prefix": "crm_", "steward": "Customer Steward", "folder": "customers", "classification": "restricted"},
    {"code": "operations", "ordinal": 4, "title": "Operations", "prefix": "ops_", "steward": "Operations Steward", "folder": "operations", "classification": "internal"},
    {"code": "content", "ordinal": 5, "title": "Content", "prefix": "cms_", "steward": "Content Steward", "folder": "content", "classification": "internal"},
    {"code": "compliance", "ordinal": 6, "title": "Compliance", "prefix": "grc_", "steward": "Compliance Steward", "folder": "compliance", "classification": "restricted"},
    {"code": "platform", "ordinal": 7, "title": "Platform", "prefix": "sys_", "steward": "Platform Steward", "folder": "platform", "classification": "internal"}
  ],
  "topics": [
    {"code": "finance.ledger", "axis": "finance", "title": "General ledger", "prefix": "fin_ledger_"},
    {"code": "finance.invoice", "axis": "finance", "title": "Invoices", "prefix": "fin_invoice_"},
    {"code": "finance.payment", "axis": "finance", "title": "Payments", "prefix": "fin_payment_"},
    {"code": "finance.budget", "axis": "finance", "title": "Budgets", "prefix": "fin_budget_"},
    {"code": "finance.tax", "axis": "finance", "title": "Tax", "prefix": "fin_tax_"},
    {"code": "finance.asset", "axis": "finance", "title": "Fixed assets", "prefix": "fin_asset_"},
    {"code": "people.employee", "axis": "people", "title": "Employees", "prefix": "hr_employee_"},
    {"code": "people.payroll", "axis": "people", "title": "Payroll", "prefix": "hr_payroll_"},
    {"code": "people.leave", "axis": "people", "title": "Leave", "prefix": "hr_leave_"},
    {"code": "people.recruiting", "axis": "people", "title": "Recruiting", "prefix": "hr_recruiting_"},
    {"code": "people.training", "axis": "people", "title": "Training", "prefix": "hr_training_"},
    {"code": "people.review", "axis": "people", "title": "Performance reviews", "prefix": "hr_review_"},
    {"code": "customers.account", "axis": "customers", "title": "Accounts", "prefix": "crm_account_"},
    {"code": "customers.contact", "axis": "customers", "title": "Contacts", "prefix": "crm_contact_"},
    {"code": "customers.lead", "axis": "customers", "title": "Leads", "prefix": "crm_lead_"},
    {"code": "customers.opportunity", "axis": "customers", "title": "Opportunities", "prefix": "crm_opportunity_"},
    {"code": "customers.ticket", "axis": "customers", "title": "Support tickets", "prefix": "crm_ticket_"},
    {"code": "customers.survey", "axis": "customers", "title": "Surveys", "prefix": "crm_survey_"},
    {"code": "operations.supplier", "axis": "operations", "title": "Suppliers", "prefix": "ops_supplier_"},
    {"code": "operations.purchase", "axis": "operations", "title": "Purchasing", "prefix": "ops_purchase_"},
    {"code": "operations.inventory", "axis": "operations", "title": "Inventory", "prefix": "ops_inventory_"},
    {"code": "operations.shipment", "axis": "operations", "title": "Shipments", "prefix": "ops_shipment_"},
    {"code": "operations.facility", "axis": "operations", "title": "Facilities", "prefix": "ops_facility_"},
    {"code": "operations.incident", "axis": "operations", "title": "Incidents", "prefix": "ops_incident_"},
    {"code": "content.page", "axis": "content", "title": "Pages", "prefix": "cms_page_"},
    {"code": "content.article", "axis": "content", "title": "Articles", "prefix": "cms_article_"},
    {"code": "content.media", "axis": "content", "title": "Media", "prefix": "cms_media_"},
    {"code": "content.menu", "axis": "content", "title": "Menus", "prefix": "cms_menu_"},
    {"code": "content.form", "axis": "content", "title": "Forms", "prefix": "cms_form_"},
    {"code": "content.campaign", "axis": "content", "title": "Campaigns", "prefix": "cms_campaign_"},
    {"code": "compliance.policy", "axis": "compliance", "title": "Policies", "prefix": "grc_policy_"},
    {"code": "compliance.risk", "axis": "compliance", "title": "Risks", "prefix": "grc_risk_"},
    {"code": "compliance.control", "axis": "compliance", "title": "Controls", "prefix": "grc_control_"},
    {"code": "compliance.audit", "axis": "compliance", "title": "Audits", "prefix": "grc_audit_"},
    {"code": "compliance.consent", "axis": "compliance", "title": "Consents", "prefix": "grc_consent_"},
    {"code": "compliance.retention", "axis": "compliance", "title": "Retention", "prefix": "grc_retention_"},
    {"code": "platform.integration", "axis": "platform", "title": "Integrations", "prefix": "sys_integration_"},
    {"code": "platform.webhook", "axis": "platform", "title": "Webhooks", "prefix": "sys_webhook_"},
    {"code": "platform.job", "axis": "platform", "title": "Scheduled jobs", "prefix": "sys_job_"},
    {"code": "platform.flag", "axis": "platform", "title": "Feature flags", "prefix": "sys_flag_"},
    {"code": "platform.metric", "axis": "platform", "title": "Metrics", "prefix": "sys_metric_"},
    {"code": "platform.archive", "axis": "platform", "title": "Archives", "prefix": "sys_archive_"}
  ]
}
$oneroof_reference$ AS oneroof_reference \gset
