"""The texts published as version 1 of the user agreement and the privacy notice (a migration
loads them; administrators publish later versions in the system back office). Written for this
platform; the operator fills in its name and contact by publishing a new version."""

AGREEMENT_TITLE = "职工之家用户协议"
AGREEMENT = """欢迎使用工会网上工作平台“职工之家”（以下简称“本平台”）。本平台由您所在地的地方总工会及其所属工会组织运营，为职工提供入会、会员卡、维权求助、困难帮扶、医疗互助等服务。

一、账号
1. 您使用本人手机号码注册，设置的密码仅由您本人掌握。请勿把账号、密码或短信验证码告诉他人。
2. 实名认证须使用本人真实姓名和证件号码。冒用他人身份绑定账号的，工会可以解除绑定，并依法处理。
3. 一个人只能有一个实名认证的账号。

二、服务
1. 入会、接转、维权求助、困难帮扶、医疗互助等申请，由负责的工会按照工会章程和有关规定办理，办理结果以工会的决定为准。
2. 您提交的材料应真实、完整。以虚假材料申请帮扶或互助补助的，工会可以撤销并追回。

三、个人信息
本平台如何处理您的个人信息，见《个人信息保护规则》。身份证件号码、健康医疗信息和困难帮扶信息属于敏感个人信息，本平台在您第一次提供时另行征得您的单独同意。

四、注销
您可以在“我的账号 → 我的数据”中下载本平台保存的您的信息，或注销账号。注销后账号和联系方式将被删除；会员档案和工会已办理事项的记录依照工会档案管理规定继续保存。

五、协议的变更
本协议修改时，本平台会发布新版本并在页面上提示；新版本发布后您继续使用的，视为同意新版本。

六、联系我们
对本协议有疑问，请联系您所在的工会，或本平台的运营单位（联系方式见《个人信息保护规则》）。"""

AGREEMENT_EN = """Welcome to "Workers' Home", the online service platform of the trade unions (the "Platform"). The Platform is run by your local federation of trade unions and the unions under it. It serves workers for joining a union, the member card, requests for help with rights, hardship assistance and mutual medical aid.

1. Account
(1) You register with your own mobile number; only you know your password. Never tell anyone your password or an SMS code.
(2) Real-name verification must use your own name and ID number. A union may unbind an account bound with someone else's identity.
(3) One person has at most one verified account.

2. Services
(1) Applications are handled by the responsible union under the union's constitution and rules; its decision is final.
(2) What you submit must be true and complete. Assistance obtained with false documents may be revoked and reclaimed.

3. Personal information
How the Platform processes your personal information is set out in the Privacy Notice. ID numbers, health information and hardship information are sensitive personal information: the Platform asks for your separate consent the first time you provide them.

4. Deleting your account
Under "My account → My data" you can download what the Platform holds about you, or delete your account. The account and its contact data are then deleted; membership records and the records of matters the union handled are kept as the rules on union records require.

5. Changes
When this agreement changes, the Platform publishes a new version and says so on its pages; using the Platform after that means you accept the new version.

6. Contact
For questions, contact your union or the operator of the Platform (see the Privacy Notice)."""

PRIVACY_TITLE = "个人信息保护规则"
PRIVACY = """本规则说明工会网上工作平台“职工之家”（以下简称“本平台”）如何依照《中华人民共和国个人信息保护法》处理您的个人信息。

一、我们处理哪些信息、为什么
1. 账号：手机号码、密码（只保存不可逆的摘要）、登录记录和IP地址。用于登录、找回密码和账号安全。
2. 实名认证：姓名、证件类型和证件号码。用于确认您本人并关联工会会员档案。证件号码是敏感个人信息，加密保存，页面只显示打码后的号码。
3. 入会和会员：工作单位、职业、学历、联系方式等入会申请信息，以及工会会员档案。用于办理入会、接转和会员服务。
4. 维权求助：您描述的情况和上传的证据。用于工会受理和办理您的诉求。
5. 困难帮扶：本人和家庭成员的收入、健康、住房、就业等困难情况。用于困难职工建档、核实和救助。属于敏感个人信息。
6. 医疗互助：参保信息、病情、就诊和费用信息及医疗单据。用于审核和支付互助补助。属于敏感个人信息。
敏感个人信息只在您单独同意后处理，同意时记录时间、规则版本、用途和IP地址。

二、谁能看到
1. 您的信息只由负责办理的工会（您所在的基层工会及其上级工会）中有相应权限的工作人员查看；查看完整证件号码须有专门权限并留有记录。
2. 困难帮扶和医疗互助信息只由帮扶、互助经办人员查看。
3. 除法律、行政法规规定的情形外，本平台不向工会组织以外的任何单位或个人提供您的个人信息，也不用于商业用途。

三、保存多久
1. 账号信息保存到您注销账号为止。
2. 短信验证码记录保存不超过两天。
3. 会员档案、入会和接转记录、维权、帮扶和互助的办理记录是工会档案，依照工会档案管理规定保存，注销账号后也不删除。
4. 同意记录和安全审计记录保存到法律规定的期限届满。

四、您的权利（《个人信息保护法》第四十四条至第四十七条）
1. 知情和决定：您有权了解并决定您的个人信息如何被处理，可以限制或者拒绝处理，法律、行政法规另有规定的除外。
2. 查阅和复制：在“我的账号 → 我的数据”中可以随时下载本平台保存的您的信息。
3. 更正和补充：信息不准确或不完整的，可以在页面上修改，或请所在工会更正。
4. 删除：可以在“我的数据”页面注销账号，账号和联系方式随即删除；依法须保存的工会档案除外。
5. 撤回同意：可以联系所在工会撤回同意；撤回不影响撤回前已进行的处理。

五、安全
证件号码加密保存并以密钥散列检索；传输使用HTTPS；工作人员按工会组织层级授权，重要操作留有审计记录。

六、联系我们
对个人信息处理有疑问或投诉，请联系您所在的工会或本平台的运营单位（个人信息保护负责人）。我们会在十五个工作日内答复。"""

PRIVACY_EN = """This notice explains how "Workers' Home", the online service platform of the trade unions (the "Platform"), processes your personal information under the Personal Information Protection Law of the People's Republic of China (PIPL).

1. What we process and why
(1) Account: mobile number, password (only an irreversible digest is kept), sign-in records and IP addresses, for signing in, password recovery and account security.
(2) Real-name verification: name, ID type and ID number, to confirm who you are and link your union membership record. The ID number is sensitive personal information: it is stored encrypted and shown masked.
(3) Joining and membership: employer, occupation, education, contact details and your membership record, for joining, transfers and member services.
(4) Requests for help: what you describe and the evidence you upload, for the union to handle your request.
(5) Hardship assistance: income, health, housing and employment of you and your household, for hardship files, checks and assistance. This is sensitive personal information.
(6) Mutual medical aid: enrolment, illness, treatment and costs and the medical documents, to assess and pay the benefit. This is sensitive personal information.
Sensitive personal information is processed only after your separate consent, recorded with the time, the version of this notice, the purpose and the IP address.

2. Who sees it
(1) Only authorised staff of the unions handling your matter (your grassroots union and the unions above it). Seeing a full ID number needs a special right and is recorded.
(2) Hardship and medical-aid information is seen only by the staff handling assistance and mutual aid.
(3) Except where laws or administrative regulations require it, the Platform gives your personal information to no one outside the union organisation and never uses it commercially.

3. How long
(1) Account data: until you delete your account.
(2) SMS code records: at most two days.
(3) Membership records, joining and transfer records, and the records of requests, assistance and mutual aid are union records, kept as the rules on union records require, also after your account is deleted.
(4) Consent and security audit records: until the period required by law ends.

4. Your rights (PIPL arts. 44-47)
(1) To know and decide how your information is processed, and to restrict or refuse processing, unless laws or administrative regulations provide otherwise.
(2) To access and copy: download what the Platform holds about you at any time under "My account → My data".
(3) To correct and complete: edit it on the pages, or ask your union to correct it.
(4) To delete: delete your account on the "My data" page; the account and its contact data are deleted at once, except union records that must be kept by law.
(5) To withdraw consent: contact your union; withdrawal does not affect processing done before it.

5. Security
ID numbers are stored encrypted and looked up by a keyed hash; connections use HTTPS; staff rights follow the union tree, and important actions are audited.

6. Contact
For questions or complaints about personal information, contact your union or the operator of the Platform (its person in charge of personal information protection). We answer within fifteen working days."""


DEFAULTS = {
    "agreement": (AGREEMENT_TITLE, AGREEMENT, AGREEMENT_EN),
    "privacy": (PRIVACY_TITLE, PRIVACY, PRIVACY_EN),
}
