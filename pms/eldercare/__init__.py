"""Elder care (物业+养老): elders, allowances, the service catalogue, care plans, visits and alerts."""
