"""The auditor's portal: a district's subsidy money, collection, repairs, elder care and open anomalies."""
