"""Chinese names of roles, account statuses and audit actions (English comes from admin.po)."""

from __future__ import annotations

__all__ = ["ROLE_LABELS", "STATUS_LABELS", "ACTION_LABELS", "TABLE_LABELS", "action_label"]

ROLE_LABELS = {
    "officer": "民政干部",
    "organization": "社会组织",
    "reviewer": "评审专家",
    "admin": "系统管理员",
}
STATUS_LABELS = {"pending": "待审核", "active": "正常", "disabled": "已停用", "rejected": "已驳回"}

#: the files of a data folder, as people call them
TABLE_LABELS = {
    "villages": "贫困村",
    "needs": "村庄需求",
    "organizations": "社会组织",
    "capabilities": "服务能力",
    "volunteers": "志愿者",
    "volunteer_skills": "志愿者技能",
    "projects": "项目",
    "project_orgs": "项目参与组织",
    "reviews": "项目评审",
    "partnerships": "帮扶关系",
}

#: what the audit trail calls each kind of entry; entries of other kinds show their code
ACTION_LABELS = {
    "import": "数据导入",
    "import_refused": "导入被拒",
    "export": "导出数据",
    "export_audit": "导出审计记录",
    "upsert": "修改记录",
    "delete": "删除记录",
    "approve_group": "批准抱团",
    "end_partnership": "解除帮扶",
    "create_account": "创建账号",
    "set_account_status": "账号状态变更",
    "change_password": "修改密码",
    "issue_api_token": "发放接口令牌",
    "login": "登录",
    "login_failed": "登录失败",
    "review": "项目评审",
    "matcher_run": "运行匹配",
    "reject_recommendation": "退回推荐",
    "export_docking_list": "导出对接清单",
    "approve_registration": "通过注册",
    "reject_registration": "驳回注册",
    "update_profile": "修改组织信息",
    "set_contact": "修改联系人",
    "add_volunteer": "添加志愿者",
    "delete_volunteer": "删除志愿者",
    "integrity_mark": "疑点核查",
    "integrity_reopen": "疑点重新打开",
}


def action_label(code: str) -> str:
    """The Chinese name of an audit action (its code when it has none)."""
    return ACTION_LABELS.get(code, code)
